package io.orchion.control.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobService;
import io.orchion.api.job.RunDispatcher;
import io.orchion.api.job.RunPhase;
import io.orchion.api.job.RunReport;
import io.orchion.api.job.RunReports;
import io.orchion.api.log.LogIngest;
import io.orchion.api.log.LogLine;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.node.Telemetry;
import io.orchion.api.security.Action;
import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.AuditLog;
import io.orchion.proto.convert.AgentStream;
import io.orchion.proto.convert.NodeMapping;
import io.orchion.proto.convert.JobMapping;
import io.orchion.proto.convert.Structs;
import io.orchion.proto.v1.LogAck;
import io.orchion.proto.v1.LogBatch;
import io.orchion.proto.v1.LogEntry;
import io.orchion.proto.v1.AssignRun;
import io.orchion.proto.v1.RunUpdate;
import io.orchion.proto.v1.StopRun;
import io.orchion.proto.v1.AgentChannelGrpc;
import io.orchion.proto.v1.AgentMessage;
import io.orchion.proto.v1.HeartbeatAck;
import io.orchion.proto.v1.OrchestratorMessage;
import io.orchion.proto.v1.Unregistered;
import io.orchion.proto.v1.Welcome;

/**
 * The agents' bidirectional stream (design flow 1): a hello registers the node, heartbeats keep it
 * alive, and the orchestrator can speak back on the same stream (the agent never listens).
 *
 * <p>A node speaks only of its own runs: every log batch, run update (with its result) and run
 * usage is checked against the runs assigned to the sending node ({@link RunClaims}); anything else
 * is dropped and recorded in the audit log as {@code node.message} / {@code denied}, and the stream
 * stays open. Every assignment is checked against what the agent's stream carries
 * ({@link AgentStream}) before it is sent: one that does not fit fails its job, never the stream.
 */
final class AgentChannelService extends AgentChannelGrpc.AgentChannelImplBase implements RunDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(AgentChannelService.class);

    private final NodeRegistry registry;
    private final Supplier<RunReports> reports;
    private final Supplier<LogIngest> logs;
    /** Whether a node was revoked (told to an unregistered agent, so a lone one stops instead of idling). */
    private final java.util.function.Predicate<String> revoked;
    /** Open streams by node id. A newer stream for the same node replaces the older one. */
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final RunClaims claims;
    private final Supplier<AuditLog> audit;

    /** Refusals recorded in the audit log per stream and minute; more are counted into the next entry. */
    static final int AUDITS_PER_MINUTE = 20;

    AgentChannelService(NodeRegistry registry, Supplier<RunReports> reports, Supplier<LogIngest> logs,
            java.util.function.Predicate<String> revoked, Supplier<JobService> jobs, Supplier<AuditLog> audit) {
        this.registry = registry;
        this.reports = reports;
        this.logs = logs;
        this.revoked = revoked;
        this.audit = audit;
        this.claims = new RunClaims(id -> {
            JobService js = jobs.get();
            return js == null ? null : js.job(id);
        }, java.time.InstantSource.system());
    }

    /**
     * {@inheritDoc}
     *
     * @throws InvalidArgumentException if the assignment is more than the agent's stream carries
     *                                  ({@link AgentStream#MAX_ORCHESTRATOR_MESSAGE_BYTES}) or
     *                                  nests deeper than the agent can read: the job cannot run
     *                                  anywhere as it is, and the message says why
     */
    @Override
    public boolean assign(Job job) {
        Session s = sessions.get(job.nodeId());
        if (s == null) {
            return false;
        }
        OrchestratorMessage m = OrchestratorMessage.newBuilder().setAssignRun(assignment(job)).build();
        deliverable(m);
        claims.sent(job.nodeId(), job.id(), job.runId());
        if (!s.send(m)) {
            claims.unsent(job.nodeId(), job.runId());
            return false;
        }
        return true;
    }

    AssignRun assignment(Job job) {
        var r = job.spec().resources();
        return AssignRun.newBuilder().setJobId(job.id()).setRunId(job.runId()).setJobName(job.spec().name())
                .setRuntime(job.spec().runtime()).setSettings(Structs.toStruct(job.spec().runtimeSettings()))
                .setCpu(r.cpu()).setMemoryBytes(r.memoryBytes()).addAllGpuIndices(job.gpuIndices())
                .setTimeoutMs(job.spec().timeout() == null ? 0 : job.spec().timeout().toMillis())
                .addAllAllowed(registry.node(job.nodeId()).map(n -> NodeMapping.allowed(n.allowed())).orElse(List.of()))
                .build();
    }

    /**
     * Refuses a message the agent's stream would not carry: over the agent's inbound limit (the
     * agent's channel would fail the whole stream) or nested deeper than protobuf reads (the agent
     * could not decode it). Both are checked as the agent will: by size, then by decoding it.
     */
    static void deliverable(OrchestratorMessage m) {
        int size = m.getSerializedSize();
        if (size > AgentStream.MAX_ORCHESTRATOR_MESSAGE_BYTES) {
            throw new InvalidArgumentException("spec", "its assignment is " + size + " bytes, more than the "
                    + AgentStream.MAX_ORCHESTRATOR_MESSAGE_BYTES + " bytes an agent's stream carries: make the spec"
                    + " smaller (fewer or shorter env entries, args or runtime settings)");
        }
        try {
            OrchestratorMessage.parseFrom(m.toByteString());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new InvalidArgumentException("spec", "an agent could not read its assignment (" + e.getMessage()
                    + "): nest the runtime settings less deeply");
        }
    }

    @Override
    public boolean stop(Job job, Duration grace) {
        Session s = sessions.get(job.nodeId());
        return s != null && s.send(OrchestratorMessage.newBuilder().setStopRun(StopRun.newBuilder().setJobId(job.id())
                .setRunId(job.runId()).setGraceMs(grace.toMillis())).build());
    }

    /** How long a node is given to stop a run it may not have. */
    static final long STOP_GRACE_MS = 10_000;

    int connectedAgents() {
        return sessions.size();
    }

    /** A node long gone was forgotten: so are the runs it was sent. */
    void forgotten(Node node) {
        claims.forget(node.id());
    }

    /** Tells a connected agent it was removed, and ends its stream. */
    void unregistered(Node node) {
        claims.forget(node.id());
        Session s = sessions.remove(node.id());
        if (s != null) {
            s.unregistered();
        }
    }

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<OrchestratorMessage> out) {
        return new Session(out, OrchestratorService.peer());
    }

    final class Session implements StreamObserver<AgentMessage> {
        private final StreamObserver<OrchestratorMessage> out;
        private final String peer;
        /** The node of the stream's client certificate (null only where no TLS is in the way, as in tests). */
        private final String certified = AuthInterceptor.NODE.get();
        private volatile String nodeId;
        private boolean closed;
        // refusals recorded this minute, and those left out of the audit log since the last entry
        private long auditMinute;
        private int audited;
        private long unrecorded;

        Session(StreamObserver<OrchestratorMessage> out, String peer) {
            this.out = out;
            this.peer = peer;
        }

        synchronized boolean send(OrchestratorMessage m) {
            if (closed) {
                return false;
            }
            out.onNext(m);
            return true;
        }

        void unregistered() {
            String id = nodeId != null ? nodeId : certified;
            boolean gone = id != null && revoked.test(id);
            send(OrchestratorMessage.newBuilder().setUnregistered(Unregistered.newBuilder().setRevoked(gone)
                    .setReason(gone ? "revoked by an operator: this node's certificate is no longer accepted and node " + id
                            + " cannot join again (to come back as a new node: a fresh data folder and a new join token)"
                            : "unregistered by an operator"))
                    .build());
            complete();
        }

        synchronized void complete() {
            if (!closed) {
                closed = true;
                out.onCompleted();
            }
        }

        synchronized void fail(Status status) {
            if (!closed) {
                closed = true;
                out.onError(status.asRuntimeException());
            }
        }

        @Override
        public void onNext(AgentMessage m) {
            try {
                switch (m.getBodyCase()) {
                    case HELLO -> hello(m);
                    case HEARTBEAT -> {
                        if (nodeId == null) {
                            fail(Status.FAILED_PRECONDITION.withDescription("send hello before heartbeats"));
                            return;
                        }
                        Node n;
                        try {
                            n = registry.heartbeat(nodeId, ownRuns(NodeMapping.fromProto(m.getHeartbeat().getTelemetry())));
                        } catch (NotFoundException gone) {
                            // unregistered between its last message and this one (the listener may
                            // not have run yet): tell it so, as the listener would, not NOT_FOUND
                            sessions.remove(nodeId, this);
                            unregistered();
                            return;
                        }
                        send(OrchestratorMessage.newBuilder()
                                .setHeartbeatAck(HeartbeatAck.newBuilder().setStatus(NodeMapping.toProto(n.status())))
                                .build());
                    }
                    case RUN_UPDATE -> {
                        if (nodeId == null) {
                            fail(Status.FAILED_PRECONDITION.withDescription("send hello before run updates"));
                            return;
                        }
                        RunReports r = reports.get();
                        RunUpdate u = m.getRunUpdate();
                        if (!claimed(u)) {
                            return;
                        }
                        RunPhase phase = RunPhase.find(u.getState()).orElse(null);
                        if (phase == null) {
                            // e.g. a newer agent's phase: refused and recorded, the stream stays up
                            refuse(u.getJobId(), "run update " + RunClaims.shown(u.getState()) + " of run "
                                    + RunClaims.shown(u.getRunId()), "'" + RunClaims.shown(u.getState())
                                    + "' is not a run phase (one of " + RunPhase.names() + ")");
                            return;
                        }
                        if (r != null) {
                            r.report(nodeId, new RunReport(u.getJobId(), u.getRunId(), phase, u.getExitCode(),
                                    u.getMessage(), Structs.toMap(u.getResult()), u.getEndpoint(),
                                    u.hasProgress() ? JobMapping.progress(u.getProgress()) : null));
                        }
                    }
                    case LOGS -> {
                        if (nodeId == null) {
                            fail(Status.FAILED_PRECONDITION.withDescription("send hello before logs"));
                            return;
                        }
                        logs(m.getLogs());
                    }
                    default -> fail(Status.INVALID_ARGUMENT.withDescription("empty agent message"));
                }
            } catch (RuntimeException e) {
                if (nodeId != null) {
                    sessions.remove(nodeId, this);
                }
                fail(Calls.toStatus(e).getStatus());
            }
        }

        /**
         * Stores a batch and acknowledges it, so the agent can forget those lines. A batch that cannot
         * be stored is not acknowledged (the agent sends it again) but never ends the stream.
         */
        private void logs(LogBatch b) {
            RunClaims.Claim c = claims.check(nodeId, b.getJobId(), b.getRunId());
            long last = b.getEntriesCount() == 0 ? 0 : b.getEntries(b.getEntriesCount() - 1).getSeq();
            if (c.verdict() == RunClaims.Verdict.UNKNOWN) {
                return; // not acknowledged: the agent sends it again once the job service is back
            }
            if (!c.allowed()) {
                refuse(b.getJobId(), "logs of run " + RunClaims.shown(b.getRunId()) + " (" + b.getEntriesCount()
                        + " lines)", c.why());
                // acknowledged all the same: the agent may forget lines that will never be stored
                send(OrchestratorMessage.newBuilder().setLogAck(LogAck.newBuilder().setRunId(b.getRunId())
                        .setSeq(Math.max(0, last))).build());
                return;
            }
            LogIngest in = logs.get();
            long high;
            if (in == null) {
                high = b.getEntriesCount() == 0 ? 0 : b.getEntries(b.getEntriesCount() - 1).getSeq();
                LOG.debug("no log store: {} lines of {} dropped", b.getEntriesCount(), b.getJobId());
            } else {
                try {
                    List<LogLine> lines = new ArrayList<>(b.getEntriesCount());
                    for (LogEntry e : b.getEntriesList()) {
                        lines.add(new LogLine(e.getSeq(), Instant.ofEpochMilli(e.getAtUnixMs()), b.getRunId(),
                                e.getStream(), e.getText()));
                    }
                    high = in.append(b.getJobId(), b.getRunId(), lines);
                } catch (RuntimeException e) {
                    LOG.warn("logs of job {} from node {} not stored: {}", b.getJobId(), nodeId, e.getMessage());
                    return;
                }
            }
            send(OrchestratorMessage.newBuilder().setLogAck(LogAck.newBuilder().setRunId(b.getRunId()).setSeq(high))
                    .build());
        }

        /**
         * Whether the node may report on this run. A refused report is recorded; a refused report
         * of a run still going (the node has a run that is not its, e.g. one placed elsewhere while
         * the orchestrator was down) is answered by stopping that run on the node.
         */
        private boolean claimed(RunUpdate u) {
            RunClaims.Claim c = claims.check(nodeId, u.getJobId(), u.getRunId());
            if (c.allowed()) {
                return true;
            }
            if (c.verdict() == RunClaims.Verdict.REFUSED) {
                refuse(u.getJobId(), "run update " + RunClaims.shown(u.getState()) + " of run "
                        + RunClaims.shown(u.getRunId()), c.why());
                if (RunPhase.find(u.getState()).filter(p -> !p.ended()).isPresent()) {
                    send(OrchestratorMessage.newBuilder().setStopRun(StopRun.newBuilder().setJobId(u.getJobId())
                            .setRunId(u.getRunId()).setGraceMs(STOP_GRACE_MS)).build());
                }
            }
            return false;
        }

        /** The node's telemetry with the usage of runs that are not its own left out. */
        private Telemetry ownRuns(Telemetry t) {
            if (t == null || t.runs().isEmpty()) { // null: a heartbeat without a sample
                return t;
            }
            List<Telemetry.RunUse> own = new ArrayList<>(t.runs().size());
            for (Telemetry.RunUse u : t.runs()) {
                RunClaims.Claim c = claims.check(nodeId, u.jobId(), u.runId());
                if (c.allowed()) {
                    own.add(u);
                } else if (c.verdict() == RunClaims.Verdict.REFUSED) {
                    refuse(u.jobId(), "usage of run " + RunClaims.shown(u.runId()), c.why());
                }
            }
            return own.size() == t.runs().size() ? t
                    : new Telemetry(t.cpuLoad(), t.memoryUsedBytes(), t.memoryTotalBytes(), t.sampledAt(), t.gpus(), own);
        }

        /** Records a refused message: in the audit log (at most {@link #AUDITS_PER_MINUTE} a minute) and the log. */
        private void refuse(String jobId, String what, String why) {
            long minute = System.nanoTime() / 60_000_000_000L;
            String detail;
            synchronized (this) {
                if (minute != auditMinute) {
                    auditMinute = minute;
                    audited = 0;
                }
                if (audited >= AUDITS_PER_MINUTE) {
                    unrecorded++;
                    return;
                }
                audited++;
                detail = what + " refused: " + why
                        + (unrecorded == 0 ? "" : " (and " + unrecorded + " earlier refusals not recorded one by one)");
                unrecorded = 0;
            }
            LOG.warn("node {}: {}", nodeId, detail);
            AuditLog a = audit.get();
            if (a != null) {
                try {
                    a.record(new AuditEvent(Instant.now(), "node:" + nodeId, Action.NODE_MESSAGE.id(), RunClaims.shown(jobId),
                            "grpc", "denied", detail));
                } catch (RuntimeException e) {
                    LOG.warn("audit of a refused message from node {} failed: {}", nodeId, e.toString());
                }
            }
        }

        private void hello(AgentMessage m) {
            if (!m.getHello().hasNode()) {
                throw new InvalidArgumentException("hello.node", "required, but missing");
            }
            String requested = m.getHello().getNode().getId();
            if (certified != null && !requested.isEmpty() && !requested.equals(certified)) {
                throw Status.PERMISSION_DENIED.withDescription("this certificate is for node " + certified + ", not "
                        + requested).asRuntimeException();
            }
            String id = certified != null ? certified : requested;
            Node n = registry.register(NodeMapping.registration(m.getHello().getNode().toBuilder().setId(id).build(), peer));
            boolean first = nodeId == null;
            nodeId = n.id();
            Session previous = sessions.put(n.id(), this);
            if (previous != null && previous != this) {
                previous.fail(Status.ABORTED.withDescription("replaced by a newer connection of the same node"));
            }
            send(OrchestratorMessage.newBuilder().setWelcome(Welcome.newBuilder().setNodeId(n.id())
                    .setHeartbeatIntervalMs(registry.settings().heartbeatInterval().toMillis())
                    .setStatus(NodeMapping.toProto(n.status()))).build());
            RunReports r = reports.get();
            if (first && r != null) {
                r.connected(n.id()); // not for a second hello on the same stream (new capabilities)
            }
        }

        @Override
        public void onError(Throwable t) {
            forget();
            synchronized (this) {
                closed = true;
            }
        }

        @Override
        public void onCompleted() {
            forget();
            complete();
        }

        private void forget() {
            String id = nodeId;
            if (id != null && sessions.remove(id, this)) {
                LOG.debug("agent stream of node {} closed", id);
            }
        }
    }
}
