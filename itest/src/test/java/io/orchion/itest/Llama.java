package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The llama.cpp build the tests of model serving run against (itest/llama/build.sh: llama-server,
 * a {@code vllm serve} stand-in that runs it, and a tiny random-weight model), and what each such
 * test does with it: its own link to the model (so its servers are told apart from other tests'),
 * and an instance whose vLLM runtime runs the stand-in.
 */
final class Llama {
    static final Path DIR = Path.of(System.getProperty("orchion.llama.dir", "target/llama")).toAbsolutePath();

    private Llama() {
    }

    /** The test's own link to the tiny model, under {@code root}; fails when there is no build. */
    static Path model(Path root) throws IOException {
        assertTrue(Files.isExecutable(DIR.resolve("bin/vllm")) && Files.isRegularFile(DIR.resolve("tiny.gguf")),
                "no llama build in " + DIR + ": itest/llama/build.sh (the test build runs it; see docs/runtime-vllm.md)");
        return Files.createSymbolicLink(root.resolve("tiny.gguf"), DIR.resolve("tiny.gguf"));
    }

    /** Points the instance's vLLM runtime at the stand-in, with quick health checks. */
    static void configure(Instance up) throws IOException {
        Path tmp = up.conf.resolve("io.orchion.runtime.vllm.cfg.tmp");
        Files.writeString(tmp, "command = " + DIR.resolve("bin/vllm") + "\nhealthTimeout = 2m\nhealthInterval = 1s\n"
                + "unhealthyThreshold = 2\nstopGrace = 5s\n");
        Files.move(tmp, up.conf.resolve("io.orchion.runtime.vllm.cfg"), StandardCopyOption.ATOMIC_MOVE);
    }

    /** The live llama-server processes serving {@code model} (the test's own link). */
    static List<ProcessHandle> servers(Path model) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive).filter(p -> {
            String cmd = p.info().commandLine().orElse("");
            return model != null && cmd.contains("llama-server") && cmd.contains(model.toString());
        }).toList();
    }
}
