package io.orchion.runtime.vllm.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import io.orchion.runtime.support.ProcessGroup;
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

    private volatile Options options;
    private final OpenAiClient client;

    /** The docker runtime, for the container launcher; absent on nodes without one. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            target = "(" + ExecutionRuntime.NAME + "=docker)")
    volatile ExecutionRuntime docker;

    @Activate
    public VllmRuntime(Map<String, Object> config) {
        this(parse(config), new OpenAiClient());
    }

    VllmRuntime(Options options, OpenAiClient client) {
        this.options = options;
        this.client = client;
    }

    private static Options parse(Map<String, Object> config) {
        try {
            return Options.parse(config);
        } catch (InvalidArgumentException e) {
            LOG.error("configuration {} refused, using defaults: {}", PID, e.getMessage());
            return Options.DEFAULTS;
        }
    }

    /** A new configuration applies to runs started from now on; a bad one leaves the previous in force. */
    @Modified
    void modified(Map<String, Object> config) {
        try {
            Options next = Options.parse(config);
            if (!next.equals(options)) {
                options = next;
                LOG.info("vllm runtime: configuration updated: command {}, health timeout {}, checked every {}",
                        String.join(" ", next.command()), Settings.human(next.healthTimeout()),
                        Settings.human(next.healthInterval()));
            }
        } catch (InvalidArgumentException e) {
            LOG.error("configuration {} refused, the previous one stays in force: {}", PID, e.getMessage());
        }
    }

    Options options() {
        return options;
    }

    @Override
    public Fingerprint fingerprint() {
        Options options = this.options;
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
        Options options = this.options;
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
        Path dir = stateDir(request);
        int port = spec.port() != 0 ? spec.port() : freePort(spec.host());
        String endpoint = ServeSpec.url(ServeSpec.clientHost(spec.host()), port);
        String probe = ServeSpec.url(ServeSpec.probeHost(spec.host()), port);
        ServerRun.Backend backend;
        Properties state = new Properties();
        state.setProperty("launcher", spec.launcher());
        state.setProperty("port", String.valueOf(port));
        state.setProperty("endpoint", endpoint);
        state.setProperty("probe", probe);
        if (spec.launcher().equals(ServeSpec.PROCESS)) {
            List<String> argv = spec.processArgv(port);
            logs.status("starting " + String.join(" ", argv));
            ProcessServer server = ProcessServer.start(argv, request.runId(), request.jobName(), request.gpuIndices(),
                    spec.env(), dir, logs);
            state.setProperty("pid", String.valueOf(server.handle().pid()));
            state.setProperty("started", String.valueOf(ProcessGroup.startedMillis(server.handle())));
            backend = server;
        } else {
            logs.status("starting " + spec.image() + " through the docker runtime");
            backend = ContainerServer.start(engine, spec, port, request, logs);
        }
        remember(dir, state);
        return new ServerRun(request.runId(), backend, endpoint, probe, spec.healthTimeout(), request.timeout(), false,
                options, logs, client);
    }

    @Override
    public Optional<RunHandle> recover(RunRequest request, LogSink logs) {
        Options options = this.options;
        Path file = request.stateDir() == null ? null : request.stateDir().resolve(STATE_FILE);
        if (file == null || !Files.isRegularFile(file)) {
            return Optional.empty(); // a completion, or a server that never started
        }
        try {
            Properties state = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                state.load(r);
            }
            String endpoint = state.getProperty("endpoint");
            String probe = state.getProperty("probe", endpoint);
            Optional<? extends ServerRun.Backend> backend;
            if (ServeSpec.CONTAINER.equals(state.getProperty("launcher"))) {
                ExecutionRuntime engine = docker;
                if (engine == null) {
                    return Optional.empty();
                }
                backend = ContainerServer.recover(engine, ServeSpec.parse(request.settings(), options),
                        Integer.parseInt(state.getProperty("port")), request, logs);
            } else {
                backend = ProcessServer.recover(Long.parseLong(state.getProperty("pid")),
                        Long.parseLong(state.getProperty("started")), request.stateDir(), logs);
            }
            return backend.map(b -> new ServerRun(request.runId(), b, endpoint, probe, options.healthTimeout(),
                    request.timeout(), true, options, logs, client));
        } catch (IOException | RuntimeException e) {
            LOG.warn("vllm runtime: cannot recover run {} from {}: {}", request.runId(), file, e.toString());
            return Optional.empty();
        }
    }

    private static Path stateDir(RunRequest request) {
        try {
            Path dir = request.stateDir() != null ? request.stateDir() : Files.createTempDirectory("orchion-vllm-");
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the run's state folder: " + e.getMessage(), e);
        }
    }

    /** The state a restarted agent needs to find the server again, written atomically. */
    private static void remember(Path dir, Properties state) {
        Path tmp = dir.resolve(STATE_FILE + ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                state.store(w, "vllm server of this run");
            }
            try {
                Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("vllm runtime: cannot record the server in {} for recovery: {}", dir, e.getMessage());
        }
    }

    /** A port free now on the listen address (the server binds it a moment later). */
    static int freePort(String host) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(ServeSpec.probeHost(host).replaceAll("[\\[\\]]", "")))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new InvalidArgumentException("vllm.host", "cannot listen on '" + host + "' here: " + e.getMessage());
        }
    }
}
