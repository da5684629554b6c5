package io.orchion.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiConsumer;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.orchion.proto.v1.HeartbeatRequest;
import io.orchion.proto.v1.Node;
import io.orchion.proto.v1.OrchestratorGrpc;
import io.orchion.proto.v1.PingRequest;
import io.orchion.proto.v1.RegisterNodeRequest;
import io.orchion.proto.v1.Telemetry;

/**
 * Heartbeats per second that one orchestrator handles from many simulated agents on loopback,
 * beside the same client's rate against the no-op Ping method, alternating phases in one run so
 * drift hits both. Bounded: fixed phase durations and a cap on calls per phase.
 */
final class HeartbeatBench {
    static final int NODES = 1000;
    static final int CHANNELS = 4;
    static final int IN_FLIGHT = 128;
    static final long PHASE_MS = 5000;
    static final long MAX_CALLS_PER_PHASE = 2_000_000;

    record Phase(String name, double perSecond, double p99Ms) {
    }

    static List<String> run(Path work) throws Exception {
        int grpc = Proc.freePort();
        try (Proc orch = new Proc(work.resolve("hb-orchestrator"), "orchestrator", List.of("--bind", "127.0.0.1",
                "--grpc-port", String.valueOf(grpc), "--http-port", String.valueOf(Proc.freePort())))) {
            if (orch.awaitMillis("orchion: ready", 60_000) < 0) {
                throw new IllegalStateException("orchestrator did not start; see " + orch.log);
            }
            List<ManagedChannel> channels = new ArrayList<>();
            for (int i = 0; i < CHANNELS; i++) {
                channels.add(orch.channel(grpc));
            }
            try {
                var blocking = OrchestratorGrpc.newBlockingStub(channels.get(0));
                for (int i = 0; i < NODES; i++) {
                    blocking.registerNode(RegisterNodeRequest.newBuilder().setNode(Node.newBuilder()
                            .setId("sim-" + i).setHostname("sim-host-" + i)).build());
                }
                List<OrchestratorGrpc.OrchestratorStub> stubs = channels.stream().map(OrchestratorGrpc::newStub).toList();
                Telemetry t = Telemetry.newBuilder().setCpuLoad(0.42).setMemoryUsedBytes(1L << 30)
                        .setMemoryTotalBytes(8L << 30).setSampledAtUnixMs(System.currentTimeMillis()).build();
                BiConsumer<Long, StreamObserver<Object>> ping = (n, obs) -> stubs.get((int) (n % CHANNELS))
                        .ping(PingRequest.getDefaultInstance(), cast(obs));
                BiConsumer<Long, StreamObserver<Object>> heartbeat = (n, obs) -> stubs.get((int) (n % CHANNELS))
                        .heartbeat(HeartbeatRequest.newBuilder().setNodeId("sim-" + (n % NODES)).setTelemetry(t).build(),
                                cast(obs));
                for (int i = 0; i < 2; i++) {
                    phase("warm-up ping", ping, 4000);
                    phase("warm-up heartbeat", heartbeat, 4000);
                }
                List<Phase> pings = new ArrayList<>();
                List<Phase> beats = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    pings.add(phase("ping", ping, PHASE_MS));
                    beats.add(phase("heartbeat", heartbeat, PHASE_MS));
                }
                double p = pings.stream().mapToDouble(Phase::perSecond).average().orElse(0);
                double h = beats.stream().mapToDouble(Phase::perSecond).average().orElse(0);
                double p99p = pings.stream().mapToDouble(Phase::p99Ms).max().orElse(0);
                double p99h = beats.stream().mapToDouble(Phase::p99Ms).max().orElse(0);
                return List.of(
                        "| method | calls/s (mean of 3 x 5 s) | p99 latency (worst phase) |",
                        "| --- | --- | --- |",
                        String.format(Locale.ROOT, "| Ping (no-op baseline) | %,.0f | %.2f ms |", p, p99p),
                        String.format(Locale.ROOT, "| Heartbeat with telemetry, %d nodes | %,.0f | %.2f ms |", NODES, h, p99h),
                        "",
                        String.format(Locale.ROOT, "Heartbeat / no-op ratio: **%.0f%%** (target: at least 80%%). "
                                + "%d channels, %d calls in flight, client and orchestrator on the same machine.",
                                100 * h / p, CHANNELS, IN_FLIGHT));
            } finally {
                channels.forEach(ManagedChannel::shutdownNow);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static <T> StreamObserver<T> cast(StreamObserver<Object> o) {
        return (StreamObserver<T>) (StreamObserver<?>) o;
    }

    static Phase phase(String name, BiConsumer<Long, StreamObserver<Object>> call, long millis) throws InterruptedException {
        Semaphore window = new Semaphore(IN_FLIGHT);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLongArray latencyMicros = new AtomicLongArray(1 << 20);
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
        long n = 0;
        while (System.nanoTime() < end && n < MAX_CALLS_PER_PHASE) {
            window.acquire();
            long sent = System.nanoTime();
            long idx = n++;
            call.accept(idx, new StreamObserver<>() {
                @Override
                public void onNext(Object value) {
                }

                @Override
                public void onError(Throwable t) {
                    failed.incrementAndGet();
                    window.release();
                }

                @Override
                public void onCompleted() {
                    long d = done.getAndIncrement();
                    if (d < latencyMicros.length()) {
                        latencyMicros.set((int) d, (System.nanoTime() - sent) / 1000);
                    }
                    window.release();
                }
            });
        }
        window.acquire(IN_FLIGHT);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failed.get() > 0) {
            throw new IllegalStateException(name + ": " + failed.get() + " calls failed");
        }
        int count = (int) Math.min(done.get(), latencyMicros.length());
        long[] lat = new long[count];
        for (int i = 0; i < count; i++) {
            lat[i] = latencyMicros.get(i);
        }
        Arrays.sort(lat);
        double p99 = count == 0 ? 0 : lat[(int) Math.min(count - 1, Math.ceil(count * 0.99) - 1)] / 1000.0;
        Phase p = new Phase(name, done.get() / seconds, p99);
        System.err.printf(Locale.ROOT, "  %-18s %,10.0f calls/s  p99 %.2f ms%n", name, p.perSecond(), p99);
        return p;
    }
}
