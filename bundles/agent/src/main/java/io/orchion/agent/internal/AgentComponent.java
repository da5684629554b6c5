package io.orchion.agent.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.Orchion;
import io.orchion.api.Ready;
import io.orchion.api.agent.Agent;
import io.orchion.api.agent.AgentState;
import io.orchion.api.runtime.ExecutionRuntime;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.node.Capabilities;
import io.orchion.api.node.Telemetry;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.proto.convert.NodeMapping;
import io.orchion.proto.v1.AgentHello;
import io.orchion.proto.v1.AssignRun;
import io.orchion.proto.v1.Node;
import io.orchion.proto.v1.StopRun;
import io.orchion.proto.v1.Welcome;

/**
 * The node agent: probes the machine, keeps a stable identity in its data folder and holds the
 * stream to the orchestrator. Configuration PID {@code io.orchion.agent}; the launcher's
 * {@code --orchestrator}, {@code --name} and {@code --label} override it. It is the
 * {@link Connection}'s {@link Connection.Listener}: it says what the node is, gets its credentials
 * and hands the orchestrator's commands to {@link Runs}.
 */
@Component(service = Agent.class, immediate = true, configurationPid = AgentComponent.PID)
@Designate(ocd = AgentComponent.Config.class)
public class AgentComponent implements Agent, Connection.Listener {
    static final String PID = "io.orchion.agent";
    private static final Logger LOG = LoggerFactory.getLogger(AgentComponent.class);

    @ObjectClassDefinition(name = "Orchion agent")
    public @interface Config {
        @AttributeDefinition(description = "host:port of the orchestrator's gRPC listener")
        String orchestrator() default "127.0.0.1:50051";

        @AttributeDefinition(description = "display name of this node; the hostname when empty")
        String name() default "";

        @AttributeDefinition(description = "labels, key=value,key2=value2")
        String labels() default "";

        @AttributeDefinition(name = "nvidia.smi", description = "nvidia-smi executable; empty to skip")
        String nvidia_smi() default "nvidia-smi";

        @AttributeDefinition(name = "backoff.initial.ms")
        long backoff_initial_ms() default 250;

        @AttributeDefinition(name = "backoff.max.ms")
        long backoff_max_ms() default 30_000;

        @AttributeDefinition(name = "fingerprint.interval.ms", description = "how often runtimes are checked")
        long fingerprint_interval_ms() default 15_000;

        @AttributeDefinition(name = "log.buffer.bytes", description = "run output kept until the orchestrator has it")
        long log_buffer_bytes() default 16L << 20;

        @AttributeDefinition(name = "output.spool.bytes", description = "a run's output not yet shipped that may "
                + "wait on this node's disk; past it the oldest is dropped, and the log says how many lines")
        long output_spool_bytes() default 64L << 20;

        @AttributeDefinition(name = "certificate.renew.before", description = "renew the node certificate when less "
                + "than this is left (e.g. 30d); empty: when less than a third of its validity is left")
        String certificate_renew_before() default "";
    }

    /** How often the agent looks at its certificate's expiry (besides at every registration). */
    static final java.time.Duration RENEWAL_CHECK = java.time.Duration.ofHours(6);

    private final BundleContext context;
    private final Connection connection;
    private final String nodeId;
    private final Path agentDir;
    private final CredentialFiles credentialFiles;
    private final EnrollmentClient enrollment;
    private final String host;
    private final int port;
    private final String joinToken;
    private volatile Credentials creds;
    private volatile io.grpc.ChannelCredentials channelCredentials;
    private final String orchestrator;
    private final CompletableFuture<Probed> probed;
    private final Runs runs;
    private final Outbox outbox;
    private final java.util.concurrent.ScheduledExecutorService checks = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "orchion-agent-fingerprint");
                t.setDaemon(true);
                return t;
            });
    private volatile Map<String, Fingerprint> fingerprints = Map.of();
    /** What the last hello told the orchestrator. */
    private volatile Map<String, Fingerprint> advertised = Map.of();
    private volatile ServiceRegistration<Ready> ready;
    private final java.time.Duration renewBefore;

    @Activate
    public AgentComponent(BundleContext context, Config config) throws IOException {
        this.context = context;
        String data = context.getProperty(Orchion.DATA_DIR);
        this.agentDir = Path.of(data == null ? "data" : data).toAbsolutePath().resolve("agent");
        this.joinToken = context.getProperty(Orchion.JOIN_TOKEN);
        try {
            this.nodeId = Identity.loadOrCreate(agentDir);
        } catch (IOException e) {
            // a new identity would make a second node: refuse to run instead
            LOG.error("agent: {}", e.getMessage());
            Orchion.stopInstance(context, e.getMessage());
            throw e;
        }
        this.orchestrator = prop(context, Orchion.ORCHESTRATOR_ADDRESS, config.orchestrator());
        Map<String, String> labels = new LinkedHashMap<>(Labels.parse(config.labels(), PID + " labels"));
        labels.putAll(Labels.parse(context.getProperty(Orchion.NODE_LABELS), "--label"));
        String configuredName = prop(context, Orchion.NODE_NAME, config.name());
        String version = prop(context, Orchion.VERSION, "dev");
        int colon = orchestrator.lastIndexOf(':');
        if (colon <= 0 || colon == orchestrator.length() - 1) {
            throw new IllegalArgumentException("orchestrator address '" + orchestrator + "' is not host:port");
        }
        this.host = orchestrator.substring(0, colon).replaceAll("^\\[|\\]$", "");
        this.port = Integer.parseInt(orchestrator.substring(colon + 1));
        this.credentialFiles = new CredentialFiles(agentDir);
        this.enrollment = new EnrollmentClient(host, port);
        // Probe the machine while the connection starts (netty's first use is slow): the hello
        // waits for the probe, the dial does not.
        CompletableFuture<Probed> probed = CompletableFuture.supplyAsync(() -> {
            HostProbe probe = new HostProbe(config.nvidia_smi());
            String hostname = probe.hostname();
            String name = configuredName.isBlank() ? hostname : configuredName;
            Capabilities caps = probe.capabilities(labels, List.of());
            Node self = Node.newBuilder().setId(nodeId).setHostname(hostname).setName(name).setAgentVersion(version)
                    .setCapabilities(NodeMapping.toProto(caps)).build();
            LOG.info("agent: node {} ({}), {} cores, {}, {} GPU(s), labels {}; joining {}", name, nodeId,
                    caps.cpuCores(), NodeMapping.humanBytes(caps.memoryBytes()), caps.gpus().size(), caps.labels(),
                    orchestrator);
            return new Probed(probe, name, caps, self);
        }, runnable -> new Thread(runnable, "orchion-agent-probe").start());
        this.probed = probed;
        if (config.log_buffer_bytes() < 64 * 1024 || config.fingerprint_interval_ms() < 100
                || config.output_spool_bytes() < 64 * 1024) {
            throw new IllegalArgumentException(PID + ": log.buffer.bytes and output.spool.bytes must be at least 65536"
                    + " and fingerprint.interval.ms at least 100");
        }
        this.renewBefore = config.certificate_renew_before().isBlank() ? null
                : io.orchion.api.Durations.parse(PID + ": certificate.renew.before", config.certificate_renew_before(), "30d");
        this.outbox = new Outbox(config.log_buffer_bytes(), runId -> runs().forget(runId));
        this.runs = new Runs(agentDir.resolve("runs"), m -> connection().send(m), outbox, config.output_spool_bytes());
        this.connection = new Connection(host, port,
                new Backoff(config.backoff_initial_ms(), config.backoff_max_ms(), ThreadLocalRandom.current()::nextDouble),
                outbox, this);
        outbox.onWork(connection::kick);
        connection.start();
        checks.scheduleWithFixedDelay(this::checkRuntimes, config.fingerprint_interval_ms(),
                config.fingerprint_interval_ms(), java.util.concurrent.TimeUnit.MILLISECONDS);
        checks.scheduleWithFixedDelay(this::renewIfDue, RENEWAL_CHECK.toMillis(), RENEWAL_CHECK.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * The node's TLS credentials, on the connection's thread: from the data folder, else from the
     * CA in this process (all in one), else by joining with the join token.
     */
    @Override
    public io.grpc.ChannelCredentials credentials() {
        Credentials c = creds;
        if (c == null) {
            try {
                if (credentialFiles.present()) {
                    c = credentialFiles.load();
                } else if ("up".equals(context.getProperty(Orchion.PROFILE))) {
                    var ref = context.getServiceReference(CertificateAuthority.class);
                    var ca = ref == null ? null : context.getService(ref);
                    if (ca == null) {
                        throw new IllegalStateException("waiting for the local certificate authority");
                    }
                    try {
                        c = credentialFiles.store(Credentials.issuedBy(ca, nodeId));
                    } finally {
                        context.ungetService(ref);
                    }
                } else if (joinToken != null && !joinToken.isBlank()) {
                    String name = probed.join().name();
                    c = credentialFiles.store(enrollment.join(joinToken, nodeId, name, Credentials.newKeyPair()));
                    LOG.info("agent: joined {}:{} as node {}", host, port, nodeId);
                } else {
                    throw new Credentials.Refused("this agent has not joined an orchestrator yet: start it with --token "
                            + "(make one on the orchestrator with orchion:jointoken create)");
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e.getMessage(), e);
            }
            if (!c.nodeId().equals(nodeId)) {
                throw new Credentials.Refused("the node certificate in " + agentDir + " is for node " + c.nodeId()
                        + ", but this agent is node " + nodeId + "; use a fresh data folder to join again");
            }
            creds = c;
            channelCredentials = c.channelCredentials();
        }
        return channelCredentials;
    }

    /**
     * Renews the node certificate when little of it is left, over mutual TLS with the current one;
     * the next connection uses the new one. A failure is tried again at the next check or
     * registration, while the current certificate lasts.
     */
    private void renewIfDue() {
        Credentials c = creds;
        if (c == null || !c.renewalDue(java.time.Instant.now(), renewBefore)) {
            return;
        }
        try {
            Credentials next = credentialFiles.replace(enrollment.renew(c, Credentials.newKeyPair()));
            creds = next;
            channelCredentials = next.channelCredentials();
            LOG.info("agent: renewed the node certificate (it was valid until {}, the new one until {})", c.notAfter(),
                    next.notAfter());
        } catch (Credentials.Refused e) {
            LOG.warn("agent: {}", e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warn("agent: cannot renew the node certificate (valid until {}), trying again later: {}", c.notAfter(),
                    e.getMessage());
        }
    }

    /** The orchestrator refused this node for good; a lone agent stops, the all-in-one keeps its orchestrator. */
    @Override
    public void refused(String why) {
        LOG.error("agent: {}", why);
        if ("agent".equals(context.getProperty(Orchion.PROFILE))) {
            Orchion.stopInstance(context, why);
        }
    }

    /** What the probe found: kept for telemetry samples, the shell and every hello. */
    private record Probed(HostProbe probe, String name, Capabilities capabilities, Node self) {
    }

    private Connection connection() {
        return connection;
    }

    private Runs runs() {
        return runs;
    }

    /**
     * Asks every runtime for its fingerprint; when what this node can run changed (an engine came
     * or went, a model was pulled), says hello again so the orchestrator schedules by the truth.
     */
    private void checkRuntimes() {
        try {
            Map<String, Fingerprint> now = runs.fingerprints();
            Map<String, Fingerprint> before = fingerprints;
            fingerprints = now;
            now.forEach((name, f) -> {
                Fingerprint was = before.get(name);
                if (was == null || was.healthy() != f.healthy()) {
                    LOG.info("agent: runtime {} is {}: {}", name, f.healthy() ? "healthy" : "unhealthy", f.detail());
                }
            });
            if (!now.equals(advertised)) {
                connection.advertise(); // a no-op while not connected: the next hello carries the news
            }
        } catch (RuntimeException e) {
            LOG.warn("agent: checking runtimes failed: {}", e.toString());
        }
    }

    /** Every (re)dial says who this node is, with the runtimes healthy now and the jobs it still runs. */
    @Override
    public AgentHello hello() {
        Node self = probed.join().self();
        Map<String, Fingerprint> f = fingerprints;
        if (!f.keySet().equals(runs.runtimeNames())) {
            // a runtime arrived since the last check: the hello must not advertise stale runtimes
            f = runs.fingerprints();
            fingerprints = f;
        }
        var caps = self.getCapabilities().toBuilder()
                .addAllRuntimes(f.entrySet().stream().filter(e -> e.getValue().healthy()).map(Map.Entry::getKey).toList());
        f.forEach((name, fp) -> caps.addRuntimeInfo(io.orchion.proto.v1.RuntimeInfo.newBuilder().setName(name)
                .setHealthy(fp.healthy()).setDetail(fp.detail() == null ? "" : fp.detail())
                .putAllAttributes(fp.attributes())));
        Node withRuntimes = self.toBuilder().setCapabilities(caps).build();
        advertised = f;
        return AgentHello.newBuilder().setNode(withRuntimes).addAllRunningJobIds(runs.activeJobIds()).build();
    }

    /** A heartbeat's sample: the machine's load, the GPUs' when there are NVIDIA ones, what the runs use. */
    @Override
    public Telemetry telemetry() {
        Probed p = probed.join();
        return p.probe().sample(!p.capabilities().gpus().stream().filter(g -> "NVIDIA".equals(g.vendor())).toList()
                .isEmpty(), runs.usage());
    }

    @Override
    public void assignRun(AssignRun assign) {
        runs.assign(assign);
    }

    @Override
    public void stopRun(StopRun stop) {
        runs.stop(stop);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + ExecutionRuntime.NAME + "=*)")
    void addRuntime(ExecutionRuntime runtime, Map<String, Object> props) {
        runtimeChanged(String.valueOf(props.get(ExecutionRuntime.NAME)), runtime);
    }

    void removeRuntime(ExecutionRuntime runtime, Map<String, Object> props) {
        runtimeChanged(String.valueOf(props.get(ExecutionRuntime.NAME)), null);
    }

    /** A runtime came or went (a plugin dropped into bundles/): check them all and tell the orchestrator. */
    private void runtimeChanged(String name, ExecutionRuntime runtime) {
        runs.runtime(name, runtime);
        LOG.debug("agent: runtime {} {}", name, runtime == null ? "went away" : "is available");
        try {
            checks.execute(this::checkRuntimes);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // deactivating
        }
    }

    /** Registered: tell of the runs kept across the gap, check the certificate, and say the agent is ready. */
    @Override
    public void registered(Welcome w) {
        runs.reannounce();
        try {
            checks.execute(this::renewIfDue);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // deactivating
        }
        if (!fingerprints.equals(advertised)) {
            connection.advertise(); // the runtimes changed while this hello was on its way
        }
        long sinceStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        LOG.info("agent: registered as {} with {} ({} ms after launch), heartbeat every {} ms", w.getNodeId(),
                orchestrator, sinceStart, w.getHeartbeatIntervalMs());
        if (ready == null) {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(Ready.PROPERTY, "agent");
            ready = context.registerService(Ready.class, () -> "agent " + nodeId + " joined " + orchestrator, props);
        }
    }

    private static String prop(BundleContext context, String key, String fallback) {
        String v = context.getProperty(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    @Deactivate
    void deactivate() {
        checks.shutdownNow();
        runs.stopAll();
        connection.stop();
        ServiceRegistration<Ready> r = ready;
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException ignored) {
                // gone with the bundle
            }
        }
    }

    @Override
    public AgentState state() {
        Probed p = probed.join();
        return new AgentState(nodeId, p.name(), orchestrator, connection.state().name(), connection.since(),
                connection.lastError(), connection.attempts(), p.capabilities());
    }

    @Override
    public void rejoin() {
        connection.rejoin();
    }
}
