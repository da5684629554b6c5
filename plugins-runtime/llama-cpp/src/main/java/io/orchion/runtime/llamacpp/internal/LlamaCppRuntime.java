package io.orchion.runtime.llamacpp.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.model.ModelFiles;
import io.orchion.api.runtime.ExecutionRuntime;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;
import io.orchion.runtime.support.Configured;
import io.orchion.runtime.support.HealthProbe;
import io.orchion.runtime.support.ProcessGroup;
import io.orchion.runtime.support.ServerAddress;
import io.orchion.runtime.support.ServerProcess;
import io.orchion.runtime.support.ServerRun;
import io.orchion.runtime.support.ServerState;
import io.orchion.runtime.support.Settings;

/**
 * llama.cpp's {@code llama-server} for a GGUF model: the model server of nodes without an NVIDIA
 * GPU (it runs on CPUs, Apple and AMD GPUs as it was built). A run fetches the model through the
 * node's model cache ({@link ModelFiles}), starts {@code llama-server -m FILE ...} in a process
 * group of its own, and is RUNNING once {@code /health} answers 200; its endpoint is recorded on
 * the job, so the gateway finds it as a replica of its alias.
 *
 * <p>Healthy where the configured command can run; the fingerprint's attributes are its
 * {@code path} and the {@code version} it prints, which the node's capabilities carry.
 */
@Component(property = ExecutionRuntime.NAME + "=" + LlamaCppRuntime.NAME, configurationPid = LlamaCppRuntime.PID)
@Designate(ocd = LlamaCppRuntime.Config.class)
public class LlamaCppRuntime implements ExecutionRuntime {
    static final String NAME = "llama-cpp";
    static final String PID = "io.orchion.runtime.llamacpp";
    static final String STATE_FILE = "llama.properties";
    private static final Logger LOG = LoggerFactory.getLogger(LlamaCppRuntime.class);
    private static final String HINT = "install llama.cpp, or set the command in " + PID + ".cfg";

    /**
     * The configuration's keys and defaults for tools that read metatype. The four health keys are
     * the ones every model-server runtime has ({@link ServerRun.Checks}); docs/runtime-llama-cpp.md
     * says what each means.
     */
    @ObjectClassDefinition(name = "Orchion llama.cpp runtime", description = "command: the llama-server executable "
            + "(and leading arguments, split on spaces); healthTimeout, healthInterval: durations such as 90s or 10m; "
            + "unhealthyThreshold: failed checks in a row before a server is stopped; stopGrace: TERM to KILL")
    public @interface Config {
        String command() default "llama-server";

        String healthTimeout() default "10m";

        String healthInterval() default "10s";

        int unhealthyThreshold() default 3;

        String stopGrace() default "10s";
    }

    /** The node's model files: every run fetches its model through them. */
    @Reference
    ModelFiles models;

    private final Configured<Options> options;
    private final ServerVersion version = new ServerVersion(Duration.ofSeconds(5));

    @Activate
    public LlamaCppRuntime(Map<String, Object> config) {
        this.options = Configured.read(PID, Options::parse, Options.DEFAULTS, config, LOG::error);
    }

    /** A runtime with these options and model files, outside DS (tests). */
    LlamaCppRuntime(Options options, ModelFiles models) {
        this.options = new Configured<>(PID, Options::parse, options);
        this.models = models;
    }

    /** A new configuration applies to runs started from now on; a bad one leaves the previous in force. */
    @Modified
    void modified(Map<String, Object> config) {
        if (options.update(config, LOG::error)) {
            LOG.info("llama-cpp runtime: configuration updated: command {}",
                    String.join(" ", options.get().command()));
        }
    }

    @Override
    public Fingerprint fingerprint() {
        List<String> command = options.get().command();
        String path = ProcessGroup.executable(command.get(0), System.getenv("PATH"));
        if (path == null) {
            return new Fingerprint(false, ProcessGroup.notRunnable(command.get(0), System.getenv("PATH")) + " (" + HINT + ")",
                    Map.of());
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("path", path);
        try {
            String v = version.of(command, path);
            attrs.put("version", v);
            return new Fingerprint(true, "llama-server " + v + " (" + path + ")", attrs);
        } catch (IOException | RuntimeException e) {
            return new Fingerprint(true, "llama-server at " + path + ", version unknown: " + e.getMessage(), attrs);
        }
    }

    @Override
    public RunHandle start(RunRequest request, LogSink logs) {
        Options options = this.options.get();
        LlamaSpec spec = LlamaSpec.parse(request.settings(), request.jobName(), request.resources(), options);
        String notRunnable = ProcessGroup.notRunnable(options.command().get(0), System.getenv("PATH"));
        if (notRunnable != null) {
            throw new InvalidArgumentException("llama-cpp.command", notRunnable + " (" + HINT + ")");
        }
        Path dir = ServerState.dir(request, "orchion-llama-");
        return new LlamaRun(request.runId(), spec.model(), models, file -> serve(request, spec, options, file, dir, logs),
                logs);
    }

    /** Starts llama-server for the model file and records it for a restarted agent. */
    private ServerRun serve(RunRequest request, LlamaSpec spec, Options options, Path file, Path dir, LogSink logs) {
        ServerAddress at = ServerAddress.listen(spec.host(), spec.port(), "llamaCpp.host");
        List<String> argv = spec.argv(options.command(), file, at.port());
        logs.status("starting " + String.join(" ", argv));
        ServerProcess server = ServerProcess.start(argv, request.runId(), request.jobName(), request.gpuIndices(),
                spec.env(), dir, logs, "llama-cpp.command", HINT);
        Properties state = new Properties();
        server.record(state);
        at.record(state);
        try {
            ServerState.write(dir, STATE_FILE, state, "llama-server of this run");
        } catch (IOException e) {
            LOG.warn("llama-cpp runtime: cannot record the server in {} for recovery: {}", dir, e.getMessage());
        }
        return new ServerRun(request.runId(), server, at, spec.healthTimeout(), request.timeout(), false,
                options.checks(), logs, HealthProbe.HTTP);
    }

    /**
     * The server of a run, found again after an agent restart by its pid and start time. A run whose
     * agent stopped during the model's download has no server yet: nothing is found, and the
     * download resumes when the job is started again.
     */
    @Override
    public Optional<RunHandle> recover(RunRequest request, LogSink logs) {
        ServerRun.Checks checks = options.get().checks();
        try {
            Optional<Properties> kept = ServerState.read(request.stateDir(), STATE_FILE);
            Optional<ServerProcess> server = kept.isEmpty() ? Optional.empty()
                    : ServerProcess.recover(kept.get(), request.stateDir(), logs);
            return server.map(s -> new ServerRun(request.runId(), s, ServerAddress.recorded(kept.get()),
                    checks.healthTimeout(), request.timeout(), true, checks, logs, HealthProbe.HTTP));
        } catch (IOException | RuntimeException e) {
            LOG.warn("llama-cpp runtime: cannot recover run {} from {}: {}", request.runId(), request.stateDir(),
                    e.toString());
            return Optional.empty();
        }
    }
}
