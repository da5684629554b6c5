package io.orchion.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.orchion.api.node.Telemetry;
import io.orchion.proto.v1.AgentChannelGrpc;
import io.orchion.proto.v1.AgentHello;
import io.orchion.proto.v1.AgentMessage;
import io.orchion.proto.v1.AssignRun;
import io.orchion.proto.v1.Node;
import io.orchion.proto.v1.OrchestratorMessage;
import io.orchion.proto.v1.StopRun;
import io.orchion.proto.v1.Unregistered;
import io.orchion.proto.v1.Welcome;

/**
 * The connection's calls to the agent through its one {@link Connection.Listener}, over real gRPC
 * on loopback against a stand-in for the orchestrator's {@code AgentChannel} (plaintext: the
 * listener's credentials are the channel's, and TLS is the enrollment tests' concern).
 */
class ConnectionTest {
    final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
    final BlockingQueue<StreamObserver<OrchestratorMessage>> streams = new LinkedBlockingQueue<>();
    Server orchestrator;
    Connection connection;

    /** Records each call by name; a run named {@code bad} fails as a broken runtime would. */
    class Recording implements Connection.Listener {
        @Override
        public AgentHello hello() {
            calls.add("hello");
            return AgentHello.newBuilder().setNode(Node.newBuilder().setId("node-1")).build();
        }

        @Override
        public Telemetry telemetry() {
            calls.add("telemetry");
            return new Telemetry(0.5, 1, 2, Instant.now(), List.of(), List.of());
        }

        @Override
        public ChannelCredentials credentials() {
            calls.add("credentials");
            return InsecureChannelCredentials.create();
        }

        @Override
        public void registered(Welcome welcome) {
            calls.add("registered " + welcome.getNodeId());
        }

        @Override
        public void assignRun(AssignRun assign) {
            calls.add("assignRun " + assign.getRunId());
            if (assign.getRunId().equals("bad")) {
                throw new IllegalStateException("no such runtime");
            }
        }

        @Override
        public void stopRun(StopRun stop) {
            calls.add("stopRun " + stop.getRunId());
        }

        @Override
        public void refused(String why) {
            calls.add("refused " + why);
        }
    }

    /** An orchestrator that welcomes every hello and keeps each stream for the test to speak on. */
    Connection connect(Connection.Listener listener) throws Exception {
        orchestrator = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new AgentChannelGrpc.AgentChannelImplBase() {
                    @Override
                    public StreamObserver<AgentMessage> connect(StreamObserver<OrchestratorMessage> out) {
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(AgentMessage m) {
                                if (m.hasHello()) {
                                    out.onNext(OrchestratorMessage.newBuilder().setWelcome(Welcome.newBuilder()
                                            .setNodeId(m.getHello().getNode().getId()).setHeartbeatIntervalMs(100)).build());
                                    streams.add(out);
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                                out.onCompleted();
                            }
                        };
                    }
                }).build().start();
        connection = new Connection("127.0.0.1", orchestrator.getPort(), new Backoff(50, 100, () -> 0.5),
                new Outbox(1 << 20, runId -> {
                }), listener);
        connection.start();
        return connection;
    }

    @AfterEach
    void stop() {
        if (connection != null) {
            connection.stop();
        }
        if (orchestrator != null) {
            orchestrator.shutdownNow();
        }
    }

    String next() throws InterruptedException {
        String call = calls.poll(10, TimeUnit.SECONDS);
        assertNotNull(call, "no call within 10 s");
        return call;
    }

    /** The next call that is not a heartbeat's sample (those come every 100 ms). */
    String nextNotTelemetry() throws InterruptedException {
        String call = next();
        while (call.equals("telemetry")) {
            call = next();
        }
        return call;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " within 10 s");
            Thread.sleep(20);
        }
    }

    @Test
    void theListenerIsToldOfEachStepByName() throws Exception {
        // given an agent connected to an orchestrator
        connect(new Recording());
        assertEquals("credentials", next());
        assertEquals("hello", next());
        assertEquals("registered node-1", next());
        StreamObserver<OrchestratorMessage> stream = streams.poll(10, TimeUnit.SECONDS);
        assertNotNull(stream);
        assertEquals(Connection.State.CONNECTED, connection.state());
        // and heartbeats carry the listener's samples
        assertEquals("telemetry", next());

        // when the orchestrator assigns a run, one that fails, and stops the first
        stream.onNext(OrchestratorMessage.newBuilder().setAssignRun(AssignRun.newBuilder().setRunId("r1")).build());
        stream.onNext(OrchestratorMessage.newBuilder().setAssignRun(AssignRun.newBuilder().setRunId("bad")).build());
        stream.onNext(OrchestratorMessage.newBuilder().setStopRun(StopRun.newBuilder().setRunId("r1")).build());

        // then each is one named call, in order, and a failing one costs only its run
        assertEquals("assignRun r1", nextNotTelemetry());
        assertEquals("assignRun bad", nextNotTelemetry());
        assertEquals("stopRun r1", nextNotTelemetry());
        assertEquals(Connection.State.CONNECTED, connection.state());

        // when the orchestrator revokes the node
        stream.onNext(OrchestratorMessage.newBuilder()
                .setUnregistered(Unregistered.newBuilder().setReason("node node-1 was revoked").setRevoked(true)).build());

        // then the listener hears it is refused, and the connection stops dialling
        assertEquals("refused node node-1 was revoked", nextNotTelemetry());
        await(() -> connection.state() == Connection.State.REFUSED, "the connection refused");
    }

    @Test
    void credentialsRefusedForGoodStopTheDiallingAndTellTheListener() throws Exception {
        // given an agent with no way to get credentials (never joined)
        connect(new Recording() {
            @Override
            public ChannelCredentials credentials() {
                throw new Credentials.Refused("this agent has not joined an orchestrator yet");
            }
        });

        // then the listener hears why, and no hello is ever sent
        assertEquals("refused this agent has not joined an orchestrator yet", next());
        await(() -> connection.state() == Connection.State.REFUSED, "the connection refused");
        assertEquals("this agent has not joined an orchestrator yet", connection.lastError());
        assertEquals(List.of(), List.copyOf(calls));
        assertTrue(streams.isEmpty(), "no stream was opened");
    }
}
