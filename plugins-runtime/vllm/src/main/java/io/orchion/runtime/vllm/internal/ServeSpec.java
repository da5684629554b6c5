package io.orchion.runtime.vllm.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.orchion.api.InvalidArgumentException;
import io.orchion.runtime.support.Settings;

/**
 * A serve job's settings (the spec's {@code vllm} section), checked.
 *
 * @param port 0: pick a free one at start
 */
record ServeSpec(String model, String launcher, List<String> command, String image, String host, int port,
        Integer tensorParallelSize, Integer maxModelLen, List<String> extraArgs, Map<String, String> env,
        Duration healthTimeout) {

    static final String PROCESS = "process";
    static final String CONTAINER = "container";
    /** The port vLLM listens on inside its container. */
    static final int CONTAINER_PORT = 8000;

    static ServeSpec parse(Map<String, Object> settings, Options options) {
        Settings v = new Settings(settings, "vllm.");
        String model = v.string("model", null);
        if (model == null) {
            throw new InvalidArgumentException("vllm.model", "required for mode serve (a Hugging Face id or a local path)");
        }
        String launcher = v.string("launcher", PROCESS);
        if (!launcher.equals(PROCESS) && !launcher.equals(CONTAINER)) {
            throw new InvalidArgumentException("vllm.launcher", "must be process or container, not '" + launcher + "'");
        }
        List<String> command = v.strings("command");
        return new ServeSpec(model, launcher, command.isEmpty() ? options.command() : command,
                v.string("image", options.image()), v.string("host", "127.0.0.1"), v.integer("port", 0, 0, 65535),
                v.integer("tensorParallelSize", null, 1, 64), v.integer("maxModelLen", null, 16, Integer.MAX_VALUE),
                v.strings("extraArgs"), v.stringMap("env"), v.duration("healthTimeout", options.healthTimeout()));
    }

    /** The server's own arguments, after {@code vllm serve} (or the image's entrypoint). */
    List<String> serverArgs(String listenHost, int listenPort) {
        List<String> args = new ArrayList<>(List.of(model, "--host", listenHost, "--port", String.valueOf(listenPort)));
        if (tensorParallelSize != null) {
            args.addAll(List.of("--tensor-parallel-size", tensorParallelSize.toString()));
        }
        if (maxModelLen != null) {
            args.addAll(List.of("--max-model-len", maxModelLen.toString()));
        }
        args.addAll(extraArgs);
        return args;
    }

    /** The process launcher's command line: {@code vllm serve MODEL --host H --port P ...}. */
    List<String> processArgv(int listenPort) {
        List<String> argv = new ArrayList<>(command);
        argv.add("serve");
        argv.addAll(serverArgs(host, listenPort));
        return argv;
    }

}
