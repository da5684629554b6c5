package io.orchion.runtime.llamacpp.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.model.ModelSource;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.runtime.support.Settings;

/**
 * A llama-cpp job's settings (the spec's {@code llamaCpp} section), checked; each bad value is
 * refused naming its field ({@code llamaCpp.contextSize}).
 *
 * @param model       where the GGUF file comes from
 * @param alias       the model name the server answers to ({@code --alias}); the job's name unless set
 * @param contextSize {@code -c}; null: llama-server's default
 * @param threads     {@code -t}; null: llama-server's default
 * @param gpuLayers   {@code -ngl}; null: llama-server's default
 * @param parallel    {@code --parallel} slots; null: llama-server's default
 * @param port        0: pick a free one at start
 */
record LlamaSpec(ModelSource model, String alias, Integer contextSize, Integer threads, Integer gpuLayers,
        Integer parallel, String host, int port, List<String> extraArgs, Map<String, String> env,
        Duration healthTimeout) {

    static final String SECTION = "llamaCpp.";

    /**
     * @param resources what the scheduler reserved: without {@code threads}, the CPU request rounded
     *                  up is the thread count
     */
    static LlamaSpec parse(Map<String, Object> settings, String jobName, ResourceRequest resources, Options options) {
        Settings v = new Settings(settings, SECTION);
        String model = v.string("model", null);
        if (model == null) {
            throw new InvalidArgumentException(v.field("model"),
                    "required: the GGUF file (an absolute path on the node, an http(s) URL or hf:OWNER/REPO/FILE)");
        }
        ModelSource source;
        try {
            source = ModelSource.parse(model, v.string("sha256", null));
        } catch (InvalidArgumentException e) {
            String field = e.field().equals("sha256") ? v.field("sha256") : v.field("model");
            throw new InvalidArgumentException(field, e.getMessage().substring(e.field().length() + 2));
        }
        if (source.kind() == ModelSource.Kind.OLLAMA) {
            throw new InvalidArgumentException(v.field("model"), "'" + model
                    + "' is an Ollama tag, which only the ollama runtime pulls; give a GGUF file's path, URL or hf: source");
        }
        Integer threads = v.integer("threads", null, 1, 4096);
        if (threads == null && resources != null && resources.cpu() > 0) {
            threads = (int) Math.ceil(resources.cpu());
        }
        return new LlamaSpec(source, v.string("alias", jobName), v.integer("contextSize", null, 0, 16 << 20),
                threads, v.integer("gpuLayers", null, 0, 100_000), v.integer("parallel", null, 1, 1024),
                v.string("host", "127.0.0.1"), v.integer("port", 0, 0, 65535), v.stringList("extraArgs"),
                v.stringMap("env"), v.duration("healthTimeout", options.checks().healthTimeout()));
    }

    /**
     * {@code llama-server -m FILE --host H --port P --alias A [-c N] [-t N] [-ngl N] [--parallel N] EXTRA_ARGS...}
     *
     * @param command the executable and its leading arguments
     * @param file    the model file on this node
     */
    List<String> argv(List<String> command, Path file, int listenPort) {
        List<String> argv = new ArrayList<>(command);
        argv.addAll(List.of("-m", file.toString(), "--host", host, "--port", String.valueOf(listenPort), "--alias", alias));
        option(argv, "-c", contextSize);
        option(argv, "-t", threads);
        option(argv, "-ngl", gpuLayers);
        option(argv, "--parallel", parallel);
        argv.addAll(extraArgs);
        return argv;
    }

    private static void option(List<String> argv, String flag, Integer value) {
        if (value != null) {
            argv.add(flag);
            argv.add(value.toString());
        }
    }
}
