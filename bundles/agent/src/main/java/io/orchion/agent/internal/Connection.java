package io.orchion.agent.internal;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.orchion.api.node.Telemetry;
import io.orchion.proto.convert.AgentStream;
import io.orchion.proto.convert.NodeMapping;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.proto.v1.AgentChannelGrpc;
import io.orchion.proto.v1.AgentHeartbeat;
import io.orchion.proto.v1.AgentHello;
import io.orchion.proto.v1.AgentMessage;
import io.orchion.proto.v1.AssignRun;
import io.orchion.proto.v1.OrchestratorMessage;
import io.orchion.proto.v1.StopRun;
import io.orchion.proto.v1.Welcome;

/**
 * The agent's one outgoing stream to the orchestrator (it never listens). Dials, says hello, sends
 * heartbeats at the interval the orchestrator asks for, and on any failure dials again after an
 * exponential, jittered backoff, so it re-registers by itself after an orchestrator restart.
 * All state changes run on one thread; gRPC callbacks hand over to it.
 */
final class Connection {
    enum State {
        CONNECTING, CONNECTED, BACKING_OFF, UNREGISTERED, REFUSED, STOPPED
    }

    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final long WELCOME_TIMEOUT_MS = 10_000;

    /**
     * What the connection asks of the agent and tells it. Every call but {@link #assignRun} and
     * {@link #stopRun} comes on the connection's one thread, so an implementation must not block
     * there for long (the welcome timeout and heartbeats wait on it); those two come on a gRPC
     * thread, in the order the orchestrator sent them.
     */
    interface Listener {
        /** What to say on every (re)dial and when {@link Connection#advertise} asks: who this node is, now. */
        AgentHello hello();

        /** A sample for the next heartbeat. */
        Telemetry telemetry();

        /**
         * The TLS credentials for the next dial.
         *
         * @throws Credentials.Refused when there are none and cannot be (no join token, a refused
         *                             join, an expired certificate): the connection stops dialling
         * @throws RuntimeException    for a failure worth another attempt after the backoff
         */
        ChannelCredentials credentials();

        /** The orchestrator welcomed this stream: the node is registered (once per stream). */
        void registered(Welcome welcome);

        /** The orchestrator placed a run here. A thrown exception is logged and costs only this run. */
        void assignRun(AssignRun assign);

        /** The orchestrator wants a run stopped. A thrown exception is logged and costs only this run. */
        void stopRun(StopRun stop);

        /** Refused for good (a bad join token, a revoked node): the connection has stopped dialling. */
        void refused(String why);
    }

    private final String host;
    private final int port;
    private final Backoff backoff;
    private final Outbox outbox;
    private final Listener listener;
    private final ScheduledExecutorService exec = Executors
            .newSingleThreadScheduledExecutor(r -> new Thread(r, "orchion-agent-connection"));

    // confined to exec
    private ManagedChannel channel;
    private ClientCallStreamObserver<AgentMessage> requests;
    private long welcomedGen = -1;
    private ScheduledFuture<?> heartbeats;
    private long generation;
    private volatile int attempts;
    private volatile State state = State.CONNECTING;
    private volatile Instant since = Instant.now();
    private volatile String lastError = "";

    /**
     * @param outbox   what is sent, in order, while connected
     * @param listener the agent's side: what to say, and what to do with what the orchestrator says
     */
    Connection(String host, int port, Backoff backoff, Outbox outbox, Listener listener) {
        this.host = host;
        this.port = port;
        this.backoff = backoff;
        this.outbox = outbox;
        this.listener = listener;
    }

    State state() {
        return state;
    }

    Instant since() {
        return since;
    }

    String lastError() {
        return lastError;
    }

    int attempts() {
        return attempts;
    }

    void start() {
        exec.execute(this::dial);
    }

    /** Queues an update: sent in order with the runs' lines, kept while disconnected. */
    void send(AgentMessage m) {
        outbox.update(m);
        kick();
    }

    /** Something may be sendable: drain the outbox on the connection thread. */
    void kick() {
        try {
            exec.execute(this::drain);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the agent is stopping
        }
    }

    private void drain() {
        ClientCallStreamObserver<AgentMessage> r = requests;
        if (r != null && state == State.CONNECTED) {
            try {
                outbox.drain(r::isReady, r::onNext);
            } catch (RuntimeException e) {
                failed(generation, "sending failed: " + e);
            }
        }
    }

    /** Says hello again on the open stream: the node's capabilities (its runtimes) changed. */
    void advertise() {
        try {
            exec.execute(() -> {
                if (requests != null && state == State.CONNECTED) {
                    requests.onNext(AgentMessage.newBuilder().setHello(listener.hello()).build());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the agent is stopping
        }
    }

    void rejoin() {
        exec.execute(() -> {
            if (state == State.STOPPED) {
                return;
            }
            teardown();
            attempts = 0;
            dial();
        });
    }

    void stop() {
        exec.execute(() -> {
            teardown();
            setState(State.STOPPED);
        });
        exec.shutdown();
        try {
            if (!exec.awaitTermination(3, TimeUnit.SECONDS)) {
                exec.shutdownNow();
            }
        } catch (InterruptedException e) {
            exec.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void setState(State s) {
        state = s;
        since = Instant.now();
    }

    private void dial() {
        if (state == State.STOPPED || state == State.UNREGISTERED || state == State.REFUSED) {
            return;
        }
        setState(State.CONNECTING);
        long gen = ++generation;
        ChannelCredentials creds;
        try {
            creds = listener.credentials();
        } catch (Credentials.Refused e) {
            refused(gen, e.getMessage());
            return;
        } catch (RuntimeException e) {
            failed(gen, e.getMessage());
            return;
        }
        try {
            channel = NettyChannelBuilder.forAddress(new InetSocketAddress(host, port), creds)
                    .overrideAuthority(CertificateAuthority.SERVER_NAME)
                    .keepAliveTime(30, TimeUnit.SECONDS).keepAliveWithoutCalls(true)
                    // the orchestrator sends nothing larger (it fails such a job instead), and a
                    // larger message would not fit this agent's heap once decoded
                    .maxInboundMessageSize(AgentStream.MAX_ORCHESTRATOR_MESSAGE_BYTES).build();
            requests = (ClientCallStreamObserver<AgentMessage>) AgentChannelGrpc.newStub(channel)
                    .connect(new Responses(gen));
            requests.onNext(AgentMessage.newBuilder().setHello(listener.hello()).build());
        } catch (RuntimeException e) {
            failed(gen, e.toString());
            return;
        }
        exec.schedule(() -> {
            if (gen == generation && state == State.CONNECTING) {
                failed(gen, "no answer from the orchestrator within " + WELCOME_TIMEOUT_MS + " ms");
            }
        }, WELCOME_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private void welcomed(long gen, Welcome w) {
        if (gen != generation || state == State.STOPPED) {
            return;
        }
        attempts = 0;
        lastError = "";
        boolean first = welcomedGen != gen;
        welcomedGen = gen;
        if (first) {
            setState(State.CONNECTED);
        }
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        long interval = w.getHeartbeatIntervalMs() > 0 ? w.getHeartbeatIntervalMs() : 5000;
        heartbeats = exec.scheduleAtFixedRate(() -> beat(gen), interval, interval, TimeUnit.MILLISECONDS);
        if (first) {
            outbox.connected();
            drain();
            listener.registered(w);
        }
    }

    private void beat(long gen) {
        if (gen != generation || requests == null) {
            return;
        }
        try {
            Telemetry t = listener.telemetry();
            requests.onNext(AgentMessage.newBuilder()
                    .setHeartbeat(AgentHeartbeat.newBuilder().setTelemetry(NodeMapping.toProto(t))).build());
        } catch (RuntimeException e) {
            failed(gen, "heartbeat failed: " + e);
        }
    }

    /** Refused for good (a bad join token, a revoked node): no more dialling. */
    private void refused(long gen, String why) {
        if (gen != generation || state == State.STOPPED) {
            return;
        }
        teardown();
        lastError = why;
        setState(State.REFUSED);
        listener.refused(why);
    }

    private void failed(long gen, String why) {
        if (gen != generation || state == State.STOPPED || state == State.UNREGISTERED || state == State.REFUSED) {
            return;
        }
        teardown();
        int n = ++attempts;
        long delay = backoff.delayMillis(n);
        lastError = why;
        setState(State.BACKING_OFF);
        if (n == 1 || n % 10 == 0) {
            LOG.warn("agent: connection to {}:{} failed ({}); attempt {}, retrying in {} ms", host, port, why, n, delay);
        } else {
            LOG.debug("agent: attempt {} failed ({}); retrying in {} ms", n, why, delay);
        }
        exec.schedule(this::dial, delay, TimeUnit.MILLISECONDS);
    }

    private void unregistered(long gen, String reason) {
        if (gen != generation) {
            return;
        }
        teardown();
        setState(State.UNREGISTERED);
        LOG.warn("agent: {}; not redialling. `orchion:agent rejoin` or a restart joins again", reason);
    }

    private void teardown() {
        generation++;
        outbox.disconnected();
        if (heartbeats != null) {
            heartbeats.cancel(false);
            heartbeats = null;
        }
        if (requests != null) {
            try {
                requests.onCompleted();
            } catch (RuntimeException ignored) {
                // the stream is already broken
            }
            requests = null;
        }
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
    }

    /** gRPC callbacks for one stream generation; each hands over to the connection thread. */
    private final class Responses implements ClientResponseObserver<AgentMessage, OrchestratorMessage> {
        private final long gen;

        Responses(long gen) {
            this.gen = gen;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<AgentMessage> stream) {
            // flow control: the outbox sends only while the transport is ready, and resumes here
            stream.setOnReadyHandler(() -> runIfOpen(() -> {
                if (gen == generation) {
                    drain();
                }
            }));
        }

        @Override
        public void onNext(OrchestratorMessage m) {
            switch (m.getBodyCase()) {
                case WELCOME -> exec.execute(() -> welcomed(gen, m.getWelcome()));
                case UNREGISTERED -> exec.execute(() -> {
                    if (m.getUnregistered().getRevoked()) {
                        refused(gen, m.getUnregistered().getReason());
                    } else {
                        unregistered(gen, m.getUnregistered().getReason());
                    }
                });
                case ASSIGN_RUN, STOP_RUN -> {
                    try {
                        if (m.hasAssignRun()) {
                            listener.assignRun(m.getAssignRun());
                        } else {
                            listener.stopRun(m.getStopRun());
                        }
                    } catch (RuntimeException e) {
                        // thrown from here it would cancel the stream: one bad command costs one run
                        LOG.warn("agent: {} failed: {}", m.getBodyCase(), e.toString());
                    }
                }
                case LOG_ACK -> {
                    outbox.ack(m.getLogAck().getRunId(), m.getLogAck().getSeq());
                    runIfOpen(() -> {
                        if (gen == generation) {
                            drain();
                        }
                    });
                }
                default -> {
                    // heartbeat acks carry nothing the agent acts on yet
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            String why = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
            if (s.getCode() == Status.Code.UNAUTHENTICATED || s.getCode() == Status.Code.PERMISSION_DENIED) {
                runIfOpen(() -> refused(gen, "the orchestrator refused this node: " + s.getDescription()));
            } else {
                runIfOpen(() -> failed(gen, why));
            }
        }

        @Override
        public void onCompleted() {
            runIfOpen(() -> failed(gen, "the orchestrator closed the stream"));
        }

        private void runIfOpen(Runnable r) {
            try {
                exec.execute(r);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // the agent is stopping
            }
        }
    }
}
