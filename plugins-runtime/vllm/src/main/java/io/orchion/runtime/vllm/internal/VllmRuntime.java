package io.orchion.runtime.vllm.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
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
 * vLLM model servers and completions against them. Mode {@code serve} starts an OpenAI-compatible
 * server ({@code vllm serve MODEL}) as a process or as a container of the docker runtime, waits for
 * {@code /health}, and watches it while it runs; mode {@code complete} sends one streamed completion
 * to a server's endpoint and keeps the answer as the job's result.
 *
 * <p>The runtime is always healthy, since a completion needs only HTTP; the fingerprint's
 * {@code serve} attribute says which launchers this node has ({@code process}, {@code container} or
 * {@code none}), and a serve job on a node without its launcher fails with a reason saying so.
 */
@Component(property = ExecutionRuntime.NAME + "=vllm", configurationPid = VllmRuntime.PID)
@Designate(ocd = VllmRuntime.Config.class)
public class VllmRuntime implements ExecutionRuntime {
    static final String PID = "io.orchion.runtime.vllm";
    static final String STATE_FILE = "vllm.properties";
    private static final Logger LOG = LoggerFactory.getLogger(VllmRuntime.class);

    @ObjectClassDefinition(name = "Orchion vLLM runtime")
    public @interface Config {
        @AttributeDefinition(description = "the vllm executable (and leading arguments, split on spaces) for the process launcher")
        String command() default "vllm";

        @AttributeDefinition(description = "image of the container launcher")
        String image() default "vllm/vllm-openai:latest";

        @AttributeDefinition(description = "how long a starting server may take to answer /health, e.g. 10m")
        String healthTimeout() default "10m";

        @AttributeDefinition(description = "how often a running server's /health is checked, e.g. 10s")
        String healthInterval() default "10s";

        @AttributeDefinition(description = "failed health checks in a row after which the server is stopped (reason: unhealthy)")
        int unhealthyThreshold() default 3;

        @AttributeDefinition(description = "how long a stopping server may take before it is killed, e.g. 10s")
        String stopGrace() default "10s";
    }

    private final Configured<Options> options;
    private final OpenAiClient client;

    /** The docker runtime, for the container launcher; absent on nodes without one. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            target = "(" + ExecutionRuntime.NAME + "=docker)")
    volatile ExecutionRuntime docker;

    @Activate
    public VllmRuntime(Map<String, Object> config) {
        this(Configured.read(PID, Options::parse, Options.DEFAULTS, config, LOG::error), new OpenAiClient());
    }

    VllmRuntime(Configured<Options> options, OpenAiClient client) {
        this.options = options;
        this.client = client;
    }

    /** A new configuration applies to runs started from now on; a bad one leaves the previous in force. */
    @Modified
    void modified(Map<String, Object> config) {
        if (options.update(config, LOG::error)) {
            Options next = options.get();
            LOG.info("vllm runtime: configuration updated: command {}, health timeout {}, checked every {}",
                    String.join(" ", next.command()), Settings.human(next.healthTimeout()),
                    Settings.human(next.healthInterval()));
        }
    }

    Options options() {
        return options.get();
    }

    @Override
    public Fingerprint fingerprint() {
        Options options = this.options.get();
        try {
            Map<String, String> attrs = new LinkedHashMap<>();
            List<String> launchers = new ArrayList<>();
            String path = ProcessGroup.executable(options.command().get(0), System.getenv("PATH"));
            if (path != null) {
                launchers.add(ServeSpec.PROCESS);
                attrs.put("command", path);
            }
            if (docker != null) {
                launchers.add(ServeSpec.CONTAINER);
            }
            attrs.put("modes", "serve,complete");
            attrs.put("serve", launchers.isEmpty() ? "none" : String.join(",", launchers));
            String detail = launchers.isEmpty()
                    ? "completions only: '" + options.command().get(0) + "' is not found here and there is no docker runtime"
                    : "completions; servers as " + String.join(" or ", launchers)
                            + (path == null ? "" : " (" + path + ")");
            return new Fingerprint(true, detail, attrs);
        } catch (RuntimeException e) {
            return new Fingerprint(true, "completions only: " + e, Map.of("modes", "serve,complete", "serve", "none"));
        }
    }

    @Override
    public RunHandle start(RunRequest request, LogSink logs) {
        Options options = this.options.get();
        Map<String, Object> settings = request.settings() == null ? Map.of() : request.settings();
        String mode = new Settings(settings, "vllm.").string("mode", "serve");
        if (mode.equals("complete")) {
            return CompletionRun.start(request, logs, client);
        }
        if (!mode.equals("serve")) {
            throw new InvalidArgumentException("vllm.mode", "must be serve or complete, not '" + mode + "'");
        }
        ServeSpec spec = ServeSpec.parse(settings, options);
        ExecutionRuntime engine = docker;
        if (spec.launcher().equals(ServeSpec.CONTAINER) && engine == null) {
            throw new InvalidArgumentException("vllm.launcher",
                    "container needs the docker runtime, and this node has none (use launcher: process, or install the docker runtime)");
        }
        Path dir = ServerState.dir(request, "orchion-vllm-");
        ServerAddress at = ServerAddress.listen(spec.host(), spec.port(), "vllm.host");
        int port = at.port();
        ServerRun.Backend backend;
        Properties state = new Properties();
        state.setProperty("launcher", spec.launcher());
        at.record(state);
        if (spec.launcher().equals(ServeSpec.PROCESS)) {
            List<String> argv = spec.processArgv(port);
            logs.status("starting " + String.join(" ", argv));
            ServerProcess server = ServerProcess.start(argv, request.runId(), request.jobName(), request.gpuIndices(),
                    spec.env(), dir, logs, "vllm.command",
                    "install vLLM, set the command in io.orchion.runtime.vllm.cfg, or use launcher: container");
            server.record(state);
            backend = server;
        } else {
            logs.status("starting " + spec.image() + " through the docker runtime");
            backend = ContainerServer.start(engine, spec, port, request, logs);
        }
        remember(dir, state);
        return new ServerRun(request.runId(), backend, at, spec.healthTimeout(), request.timeout(), false,
                options.checks(), logs, HealthProbe.HTTP);
    }

    @Override
    public Optional<RunHandle> recover(RunRequest request, LogSink logs) {
        Options options = this.options.get();
        try {
            Optional<Properties> kept = ServerState.read(request.stateDir(), STATE_FILE);
            if (kept.isEmpty()) {
                return Optional.empty(); // a completion, or a server that never started
            }
            Properties state = kept.get();
            ServerAddress at = ServerAddress.recorded(state);
            Optional<? extends ServerRun.Backend> backend;
            if (ServeSpec.CONTAINER.equals(state.getProperty("launcher"))) {
                ExecutionRuntime engine = docker;
                if (engine == null) {
                    return Optional.empty();
                }
                backend = ContainerServer.recover(engine, ServeSpec.parse(request.settings(), options),
                        at.port(), request, logs);
            } else {
                backend = ServerProcess.recover(state, request.stateDir(), logs);
            }
            return backend.map(b -> new ServerRun(request.runId(), b, at, options.healthTimeout(),
                    request.timeout(), true, options.checks(), logs, HealthProbe.HTTP));
        } catch (IOException | RuntimeException e) {
            LOG.warn("vllm runtime: cannot recover run {} from {}: {}", request.runId(), request.stateDir(), e.toString());
            return Optional.empty();
        }
    }

    /** The state a restarted agent needs to find the server again, written atomically. */
    private static void remember(Path dir, Properties state) {
        try {
            ServerState.write(dir, STATE_FILE, state, "vllm server of this run");
        } catch (IOException e) {
            LOG.warn("vllm runtime: cannot record the server in {} for recovery: {}", dir, e.getMessage());
        }
    }
}
