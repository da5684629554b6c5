package io.orchion.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.orchion.proto.v1.Capabilities;
import io.orchion.proto.v1.Node;
import io.orchion.proto.v1.OrchestratorGrpc;
import io.orchion.proto.v1.RegisterNodeRequest;

/**
 * The REST API under wrk on loopback: {@code GET /api/nodes} with 1,000 nodes registered over
 * gRPC, and {@code GET /api/jobs?limit=100} with 100,000 stored jobs, written as cancelled jobs
 * into the store before the orchestrator starts (a pending one would be re-examined every
 * placement round). Bounded: fixed counts and fixed wrk durations.
 */
final class ApiBench {
    static final int NODES = 1000;
    static final int JOBS = Integer.getInteger("bench.api.jobs", 100_000);
    static final String DURATION = System.getProperty("bench.api.duration", "10s");

    static List<String> run(Path work) throws Exception {
        int grpc = Proc.freePort();
        int http = Proc.freePort();
        long t0 = System.nanoTime();
        fill(work.resolve("api-orchestrator/data"));
        double fillS = (System.nanoTime() - t0) / 1e9;
        try (Proc orch = new Proc(work.resolve("api-orchestrator"), "orchestrator", List.of("--bind", "127.0.0.1",
                "--grpc-port", String.valueOf(grpc), "--http-port", String.valueOf(http)))) {
            if (orch.awaitMillis("orchion: ready", 300_000) < 0) {
                throw new IllegalStateException("orchestrator did not start; see " + orch.log);
            }
            ManagedChannel ch = orch.channel(grpc);
            token = orch.adminToken();
            List<String> out = new ArrayList<>();
            try {
                var nodes = OrchestratorGrpc.newBlockingStub(ch);
                for (int i = 0; i < NODES; i++) {
                    nodes.withDeadlineAfter(10, TimeUnit.SECONDS).registerNode(RegisterNodeRequest.newBuilder()
                            .setNode(Node.newBuilder().setId("sim-" + i).setHostname("sim-host-" + i)
                                    .setCapabilities(Capabilities.newBuilder().setCpuCores(2).setTotalMemoryBytes(4L << 30)
                                            .addRuntimes("process").putLabels("rack", "r" + (i % 10))))
                            .build());
                }
                String base = "http://127.0.0.1:" + http;
                wrk(base + "/api/nodes"); // warm-up
                Result n = wrk(base + "/api/nodes");
                wrk(base + "/api/jobs?limit=100"); // warm-up
                Result j = wrk(base + "/api/jobs?limit=100");
                Result jf = wrk(base + "/api/jobs?limit=100&state=cancelled&label=bench=yes");
                out.add("| request | store | requests/s | p99 latency | mean latency |");
                out.add("| --- | --- | --- | --- | --- |");
                out.add(row("GET /api/nodes", NODES + " nodes", n));
                out.add(row("GET /api/jobs?limit=100", String.format(Locale.ROOT, "%,d jobs", JOBS), j));
                out.add(row("GET /api/jobs?limit=100&state=cancelled&label=bench=yes", String.format(Locale.ROOT,
                        "%,d jobs", JOBS), jf));
                out.add("");
                out.add(String.format(Locale.ROOT, "wrk %s, 2 threads, 16 connections, on the same machine as the "
                        + "orchestrator (default JVM settings). The store was filled before start with %,d cancelled "
                        + "jobs through the real MapDB store (%.0f s); the nodes were registered over gRPC.",
                        DURATION, JOBS, fillS));
            } finally {
                ch.shutdownNow();
            }
            return out;
        }
    }

    record Result(double perSecond, String p99, String mean, String errors) {
    }

    static String row(String what, String store, Result r) {
        return String.format(Locale.ROOT, "| `%s` | %s | %,.0f | %s | %s |%s", what, store, r.perSecond(), r.p99(),
                r.mean(), r.errors().isEmpty() ? "" : " " + r.errors());
    }

    /**
     * Writes JOBS cancelled jobs into the orchestrator's store before it starts, through the real
     * MapDB store (submitting 100,000 over gRPC on a shared 2-core machine takes far too long:
     * each submission and cancellation is a durable write).
     */
    static void fill(Path data) {
        io.orchion.api.job.JobStore store = io.orchion.store.internal.BenchStores.open(data);
        try {
            java.time.Instant t = java.time.Instant.now().minusSeconds(JOBS);
            List<io.orchion.api.job.Job> batch = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                java.time.Instant at = t.plusSeconds(i);
                io.orchion.api.job.JobSpec spec = new io.orchion.api.job.JobSpec("bench-" + i, "process",
                        java.util.Map.of("command", List.of("true")),
                        new io.orchion.api.scheduler.ResourceRequest(999, 0, 0, 0), List.of(), 0,
                        io.orchion.api.job.RestartPolicy.NONE, null, java.util.Map.of("bench", "yes"));
                io.orchion.api.job.Job j = new io.orchion.api.job.Job(String.format(Locale.ROOT, "bench-%06d", i), spec,
                        io.orchion.api.job.JobState.PENDING, "", List.of(), "", 0, null, "submitted", at, List.of())
                        .to(io.orchion.api.job.JobState.PENDING, "submitted", at)
                        .to(io.orchion.api.job.JobState.CANCELLED, "cancelled before it was placed", at.plusMillis(10));
                batch.add(j);
                if (batch.size() == 5000) {
                    store.saveAll(batch);
                    batch.clear();
                }
            }
            store.saveAll(batch);
        } finally {
            io.orchion.store.internal.BenchStores.close(store);
        }
    }

    static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+[a-z]+)");
    static final Pattern MEAN = Pattern.compile("Latency\\s+([0-9.]+[a-z]+)");
    static final Pattern ERRORS = Pattern.compile("(Non-2xx or 3xx responses: \\d+|Socket errors: .*)");

    /** The admin token wrk sends (set once the orchestrator is up). */
    static volatile String token = "";

    static Result wrk(String url) throws Exception {
        Process p = new ProcessBuilder("wrk", "-t2", "-c16", "-d" + DURATION, "--timeout", "30s", "--latency", "-H",
                "Authorization: Bearer " + token, url).redirectErrorStream(true)
                .start();
        String text = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("wrk failed:\n" + text);
        }
        Matcher rps = RPS.matcher(text);
        Matcher p99 = P99.matcher(text);
        Matcher mean = MEAN.matcher(text);
        Matcher err = ERRORS.matcher(text);
        if (!rps.find() || !p99.find() || !mean.find()) {
            throw new IllegalStateException("unexpected wrk output:\n" + text);
        }
        StringBuilder errors = new StringBuilder();
        while (err.find()) {
            errors.append(err.group(1)).append("; ");
        }
        System.err.println(url + ": " + rps.group(1) + " req/s, p99 " + p99.group(1));
        return new Result(Double.parseDouble(rps.group(1)), p99.group(1), mean.group(1), errors.toString());
    }
}
