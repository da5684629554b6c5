package io.orchion.control.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobService;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.job.RunPhase;
import io.orchion.api.job.RunReport;
import io.orchion.api.job.RunReports;
import io.orchion.api.log.LogIngest;
import io.orchion.api.log.LogLine;
import io.orchion.api.runtime.Allowance;
import io.orchion.api.node.LivenessSettings;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistration;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.node.Telemetry;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.AuditLog;
import io.orchion.proto.convert.AgentStream;
import io.orchion.proto.v1.AgentChannelGrpc;
import io.orchion.proto.v1.AgentHello;
import io.orchion.proto.v1.AgentMessage;
import io.orchion.proto.v1.LogBatch;
import io.orchion.proto.v1.LogEntry;
import io.orchion.proto.v1.OrchestratorMessage;
import io.orchion.proto.v1.RunUpdate;

/**
 * The agent channel over real gRPC on loopback, with a client channel set up as the agent's
 * (its inbound limit): a node speaks only of its own runs, and an assignment the stream cannot
 * carry fails its job while the stream stays up.
 */
class AgentChannelServiceTest {
    static final String JOB = "victim-0000000a";
    static final String RUN = JOB + "-r1";

    final Map<String, Job> jobs = new ConcurrentHashMap<>();
    final List<RunReport> reported = new CopyOnWriteArrayList<>();
    final Map<String, List<LogLine>> stored = new ConcurrentHashMap<>();
    final List<AuditEvent> audited = new CopyOnWriteArrayList<>();
    final List<ManagedChannel> channels = new ArrayList<>();
    AgentChannelService service;
    Server server;

    @BeforeEach
    void start() throws Exception {
        RunReports reports = (node, r) -> reported.add(r);
        LogIngest logs = new LogIngest() {
            @Override
            public long append(String jobId, String runId, List<LogLine> lines) {
                stored.computeIfAbsent(jobId, k -> new CopyOnWriteArrayList<>()).addAll(lines);
                return lines.isEmpty() ? 0 : lines.get(lines.size() - 1).seq();
            }

            @Override
            public void note(String jobId, String runId, String text) {
            }
        };
        AuditLog audit = new AuditLog() {
            @Override
            public void record(AuditEvent event) {
                audited.add(event);
            }

            @Override
            public List<AuditEvent> query(int limit, String actor, String action, Instant since) {
                return List.copyOf(audited);
            }
        };
        JobService jobService = new JobService() {
            @Override
            public Job submit(JobSpec spec) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<Job> jobs() {
                return List.copyOf(jobs.values());
            }

            @Override
            public io.orchion.api.job.JobPage jobs(io.orchion.api.job.JobQuery query) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Optional<Job> job(String id) {
                return Optional.ofNullable(jobs.get(io.orchion.api.Validation.jobId("job_id", id)));
            }

            @Override
            public Job cancel(String id) {
                throw new UnsupportedOperationException();
            }
        };
        service = new AgentChannelService(new Registry(), () -> reports, () -> logs, id -> false, () -> jobService,
                () -> audit);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        channels.forEach(ManagedChannel::shutdownNow);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static Job job(String id, String node, Map<String, Object> settings) {
        JobSpec spec = new JobSpec(id.substring(0, id.lastIndexOf('-')), "process", settings,
                new ResourceRequest(0.1, 0, 0, 0), List.of(), 0, RestartPolicy.NONE, null, Map.of());
        return new Job(id, spec, JobState.SCHEDULED, node, List.of(), id + "-r1", 1, null, "", Instant.EPOCH, List.of());
    }

    /** One node's stream, as its agent opens it: with the agent's inbound limit. */
    final class Agent {
        final BlockingQueue<OrchestratorMessage> in = new LinkedBlockingQueue<>();
        final StreamObserver<AgentMessage> out;
        volatile Throwable error;

        Agent(String nodeId) throws InterruptedException {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
                    .maxInboundMessageSize(AgentStream.MAX_ORCHESTRATOR_MESSAGE_BYTES).build();
            channels.add(ch);
            out = AgentChannelGrpc.newStub(ch).connect(new StreamObserver<>() {
                @Override
                public void onNext(OrchestratorMessage m) {
                    in.add(m);
                }

                @Override
                public void onError(Throwable t) {
                    error = t;
                }

                @Override
                public void onCompleted() {
                }
            });
            out.onNext(AgentMessage.newBuilder().setHello(AgentHello.newBuilder().setNode(io.orchion.proto.v1.Node
                    .newBuilder().setId(nodeId).setName(nodeId))).build());
            assertTrue(next(OrchestratorMessage.BodyCase.WELCOME).hasWelcome());
        }

        /** The next message of this kind (others are skipped); fails after 10 s. */
        OrchestratorMessage next(OrchestratorMessage.BodyCase kind) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                OrchestratorMessage m = in.poll(100, TimeUnit.MILLISECONDS);
                if (m != null && m.getBodyCase() == kind) {
                    return m;
                }
                if (error != null) {
                    throw new AssertionError("the stream failed: " + error, error);
                }
            }
            throw new AssertionError("no " + kind + " within 10 s");
        }

        void logs(String jobId, String runId, long... seqs) {
            LogBatch.Builder b = LogBatch.newBuilder().setJobId(jobId).setRunId(runId);
            for (long s : seqs) {
                b.addEntries(LogEntry.newBuilder().setSeq(s).setStream("stdout").setText("line " + s));
            }
            out.onNext(AgentMessage.newBuilder().setLogs(b).build());
        }

        void update(String jobId, String runId, String state) {
            out.onNext(AgentMessage.newBuilder().setRunUpdate(RunUpdate.newBuilder().setJobId(jobId).setRunId(runId)
                    .setState(state)).build());
        }
    }

    static boolean denied(List<AuditEvent> events, String node, String jobId, String what) {
        return events.stream().anyMatch(e -> e.actor().equals("node:" + node) && e.action().equals("node.message")
                && e.outcome().equals("denied") && e.target().equals(jobId) && e.detail().contains(what));
    }

    @Test
    void aNodeCannotWriteAnotherNodesLogNorReportOnItsRun() throws Exception {
        // given a job whose run is on node a, and a second node b
        Agent a = new Agent("node-a");
        Agent b = new Agent("node-b");
        Job victim = job(JOB, "node-a", Map.of());
        jobs.put(JOB, victim);
        assertTrue(service.assign(victim));
        assertEquals(RUN, a.next(OrchestratorMessage.BodyCase.ASSIGN_RUN).getAssignRun().getRunId());

        // when b sends lines for a's run with a far-ahead seq, and lines for a job that does not exist
        b.logs(JOB, RUN, 1_000_000);
        b.next(OrchestratorMessage.BodyCase.LOG_ACK); // acknowledged so b forgets it, but not stored
        b.logs("ghost-0000000b", "ghost-0000000b-r1", 1);
        b.next(OrchestratorMessage.BodyCase.LOG_ACK);
        // and reports a's run as exited
        b.update(JOB, RUN, "RUNNING");
        assertEquals(RUN, b.next(OrchestratorMessage.BodyCase.STOP_RUN).getStopRun().getRunId(),
                "b is told to stop a run it may not have");
        b.update(JOB, RUN, "EXITED");

        // then none of it is stored or reported, and each refusal is audited as b's
        a.logs(JOB, RUN, 1, 2);
        assertEquals(2, a.next(OrchestratorMessage.BodyCase.LOG_ACK).getLogAck().getSeq());
        a.update(JOB, RUN, "RUNNING");
        Wait.until(() -> !reported.isEmpty() && audited.size() >= 4);
        assertEquals(List.of(RunPhase.RUNNING), reported.stream().map(RunReport::phase).toList(), "only a's report");
        assertEquals(List.of(1L, 2L), stored.get(JOB).stream().map(LogLine::seq).toList(), "only a's lines");
        assertFalse(stored.containsKey("ghost-0000000b"));
        assertTrue(denied(audited, "node-b", JOB, "logs of run " + RUN), audited.toString());
        assertTrue(denied(audited, "node-b", "ghost-0000000b", "does not exist"), audited.toString());
        assertTrue(denied(audited, "node-b", JOB, "run update RUNNING"), audited.toString());
        assertTrue(denied(audited, "node-b", JOB, "run update EXITED"), audited.toString());
        assertFalse(audited.stream().anyMatch(e -> e.actor().equals("node:node-a")), audited.toString());
        assertTrue(a.error == null && b.error == null, "both streams stay open");
    }

    @Test
    void aRunPhaseTheOrchestratorDoesNotKnowIsRefusedAndTheStreamStaysUp() throws Exception {
        // given a's own run
        Agent a = new Agent("node-a");
        Job own = job(JOB, "node-a", Map.of());
        jobs.put(JOB, own);
        assertTrue(service.assign(own));
        a.next(OrchestratorMessage.BodyCase.ASSIGN_RUN);

        // when its agent reports a phase that is not one of RunPhase's, then a known one
        a.update(JOB, RUN, "PAUSED");
        a.update(JOB, RUN, "RUNNING");

        // then only the known one reaches the job service, and the refusal names the phase
        Wait.until(() -> !reported.isEmpty() && !audited.isEmpty());
        assertEquals(List.of(RunPhase.RUNNING), reported.stream().map(RunReport::phase).toList());
        assertTrue(denied(audited, "node-a", JOB, "run update PAUSED of run " + RUN + " refused: 'PAUSED' is not a run "
                + "phase (one of [ACCEPTED, RUNNING, EXITED, FAILED_TO_START, PROGRESS, STATUS])"), audited.toString());
        assertTrue(a.error == null, "the stream stays open");
    }

    @Test
    void usageOfAnotherNodesRunIsLeftOutOfTheHeartbeat() throws Exception {
        Agent a = new Agent("node-a");
        Agent b = new Agent("node-b");
        jobs.put(JOB, job(JOB, "node-a", Map.of()));
        Telemetry t = new Telemetry(0.5, 1, 2, Instant.now(), List.of(),
                List.of(new Telemetry.RunUse(JOB, RUN, 1.5, 1 << 20)));
        b.out.onNext(AgentMessage.newBuilder().setHeartbeat(io.orchion.proto.v1.AgentHeartbeat.newBuilder()
                .setTelemetry(io.orchion.proto.convert.NodeMapping.toProto(t))).build());
        b.next(OrchestratorMessage.BodyCase.HEARTBEAT_ACK);
        assertEquals(List.of(), heartbeats.get("node-b").runs());
        assertTrue(denied(audited, "node-b", JOB, "usage of run " + RUN), audited.toString());
        a.out.onNext(AgentMessage.newBuilder().setHeartbeat(io.orchion.proto.v1.AgentHeartbeat.newBuilder()
                .setTelemetry(io.orchion.proto.convert.NodeMapping.toProto(t))).build());
        a.next(OrchestratorMessage.BodyCase.HEARTBEAT_ACK);
        assertEquals(1, heartbeats.get("node-a").runs().size());
        // and a heartbeat without a sample is still answered
        b.out.onNext(AgentMessage.newBuilder().setHeartbeat(io.orchion.proto.v1.AgentHeartbeat.getDefaultInstance())
                .build());
        b.next(OrchestratorMessage.BodyCase.HEARTBEAT_ACK);
    }

    @Test
    void anAssignmentTooBigForTheStreamFailsItsJobAndTheStreamStaysUp() throws Exception {
        Agent a = new Agent("node-a");
        // given a job whose env is more than the agent's stream carries
        Map<String, Object> env = new LinkedHashMap<>();
        for (int i = 0; i < 50_000; i++) {
            env.put("K" + i, "v");
        }
        Job big = job("big-0000000b", "node-a", Map.of("command", List.of("true"), "env", env));
        jobs.put(big.id(), big);
        // when it is assigned, it is refused with the size and the limit, and nothing is sent
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> service.assign(big));
        assertTrue(e.getMessage().contains("more than the " + AgentStream.MAX_ORCHESTRATOR_MESSAGE_BYTES + " bytes"),
                e.getMessage());
        assertTrue(e.getMessage().matches(".*assignment is \\d+ bytes.*"), e.getMessage());
        // and a settings tree deeper than an agent can read is refused too
        Map<String, Object> deep = new LinkedHashMap<>();
        Map<String, Object> at = deep;
        for (int i = 0; i < 40; i++) {
            Map<String, Object> inner = new LinkedHashMap<>();
            at.put("x", inner);
            at = inner;
        }
        Job nested = job("nested-0000000c", "node-a", deep);
        InvalidArgumentException d = assertThrows(InvalidArgumentException.class, () -> service.assign(nested));
        assertTrue(d.getMessage().contains("could not read"), d.getMessage());

        // then the stream still carries the largest assignment it may: just under the limit
        Job fits = job("fits-0000000d", "node-a", Map.of("command", List.of("true"), "env", Map.of("PAD", "")));
        int base = OrchestratorMessage.newBuilder().setAssignRun(service.assignment(fits)).build().getSerializedSize();
        int pad = AgentStream.MAX_ORCHESTRATOR_MESSAGE_BYTES - base - 24; // length prefixes grow with it
        fits = job("fits-0000000d", "node-a", Map.of("command", List.of("true"), "env", Map.of("PAD", "p".repeat(pad))));
        int size = OrchestratorMessage.newBuilder().setAssignRun(service.assignment(fits)).build().getSerializedSize();
        assertTrue(size <= AgentStream.MAX_ORCHESTRATOR_MESSAGE_BYTES && size > AgentStream.MAX_ORCHESTRATOR_MESSAGE_BYTES
                - 64, "size " + size);
        jobs.put(fits.id(), fits);
        assertTrue(service.assign(fits));
        OrchestratorMessage got = a.next(OrchestratorMessage.BodyCase.ASSIGN_RUN);
        assertEquals("fits-0000000d-r1", got.getAssignRun().getRunId(), "the refused ones were never sent");
        assertTrue(a.error == null, "the stream is up");
    }

    final Map<String, Telemetry> heartbeats = new ConcurrentHashMap<>();

    /** Just enough of a registry for the channel: nodes by id, heartbeats kept. */
    final class Registry implements NodeRegistry {
        final Map<String, Node> nodes = new ConcurrentHashMap<>();

        @Override
        public Node register(NodeRegistration r) {
            Node n = new Node(r.id(), r.name(), r.hostname(), r.agentAddress(), r.agentVersion(), r.capabilities(),
                    NodeStatus.READY, false, Instant.now(), Instant.now(), null);
            nodes.put(n.id(), n);
            return n;
        }

        @Override
        public Node heartbeat(String nodeId, Telemetry telemetry) {
            if (telemetry != null) {
                heartbeats.put(nodeId, telemetry);
            }
            return nodes.get(nodeId);
        }

        @Override
        public List<Node> nodes() {
            return List.copyOf(nodes.values());
        }

        @Override
        public Optional<Node> node(String nodeId) {
            return Optional.ofNullable(nodes.get(nodeId));
        }

        @Override
        public Node allow(String nodeId, Set<Allowance> allowances, boolean allow) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Node drain(String nodeId, boolean drain) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Node unregister(String nodeId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Telemetry> telemetry(String nodeId) {
            return List.of();
        }

        @Override
        public LivenessSettings settings() {
            return new LivenessSettings(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofDays(1));
        }
    }

    /** Waits for a condition with a deadline. */
    static final class Wait {
        static void until(java.util.function.BooleanSupplier condition) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("condition not met within 10 s");
                }
                Thread.sleep(20);
            }
        }
    }
}
