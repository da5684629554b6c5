package io.orchion.scheduler.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobStore;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.node.Capabilities;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.scheduler.binpacking.internal.BinPackingStrategy;

/**
 * CPU time an idle scheduler spends on 10,000 pending jobs that fit nowhere: the loop runs one
 * placement round a second, so the CPU time of one round is the CPU time per idle second. Three
 * ways in one run, on the same book and cluster: the round as it was before the pending queue was
 * kept in order (every job listed, sorted and judged each round), the placement loop forced to
 * judge every job each round, and the placement loop as it runs (nothing changed: no job judged).
 * CPU time of the measuring thread (ThreadMXBean), after warm-up rounds; bounded in rounds.
 */
public final class IdlePendingBench {
    static final int JOBS = 10_000;
    static final int NODES = 10;

    private IdlePendingBench() {
    }

    public static List<String> run() {
        JobStore sink = new JobStore() {
            @Override
            public void save(Job job) {
            }

            @Override
            public void saveAll(Collection<Job> jobs) {
            }

            @Override
            public Collection<Job> loadJobs() {
                return List.of();
            }

            @Override
            public void deleteJobs(Collection<String> ids) {
            }
        };
        JobBook book = new JobBook(sink, InstantSource.system());
        for (int i = 0; i < JOBS; i++) { // 8 cores each, on 4-core nodes: they wait
            book.submit(new JobSpec("idle", "process", Map.of("command", List.of("true")),
                    new ResourceRequest(8, 1L << 30, 0, 0), List.of(), i % 3 * 100, RestartPolicy.NONE, null, Map.of()));
        }
        List<Node> nodes = new ArrayList<>();
        Instant t = Instant.parse("2026-12-01T00:00:00Z");
        for (int i = 0; i < NODES; i++) {
            String id = String.format("node-%02d", i);
            nodes.add(new Node(id, id, id, "", "", new Capabilities("cpu", 4, "amd64", 16L << 30, "Linux", List.of(),
                    Map.of(), List.of("process")), NodeStatus.READY, false, t, t, null));
        }
        SchedulingStrategy strategy = new BinPackingStrategy();
        PlacementLoop loop = new PlacementLoop(book);

        Runnable before = () -> { // the round of the orchestrator before this change, as it was written
            List<PlacementRound.Pending> pending = ServerReference.ready(book.pending(), book.list(), book::unplaced);
            PlacementRound.Outcome out = PlacementRound.run(pending, Snapshot.of(nodes, book.holding()), strategy);
            book.placedAll(out.placed(), id -> id, "bin-packing");
            out.pendingWhy().forEach(book::unplaced);
        };
        Runnable forced = () -> {
            loop.forget();
            loop.round(nodes, "bin-packing", strategy);
        };
        Runnable idle = () -> loop.round(nodes, "bin-packing", strategy);

        double beforeMs = cpuPerRound(before, 5, 20);
        double forcedMs = cpuPerRound(forced, 5, 20);
        idle.run(); // the first round after a forced one judges all: the loop's memory is set
        double idleMs = cpuPerRound(idle, 100, 2000);
        List<String> out = new ArrayList<>();
        out.add("| placement loop, 10,000 pending jobs that fit nowhere, " + NODES + " nodes | CPU per idle second | "
                + "share of one core |");
        out.add("| --- | --- | --- |");
        out.add(row("before: every job listed, sorted and judged each round", beforeMs));
        out.add(row("every job judged each round (forced)", forcedMs));
        out.add(row("after: nothing changed, no job judged", idleMs));
        out.add("");
        out.add(String.format(Locale.ROOT, "**After / before: %.4f%%** of the CPU time (%.0fx less).",
                100 * idleMs / beforeMs, beforeMs / Math.max(idleMs, 1e-9)));
        System.err.printf(Locale.ROOT, "  before %.3f ms, forced %.3f ms, idle %.4f ms per round%n", beforeMs, forcedMs,
                idleMs);
        return out;
    }

    private static String row(String what, double ms) {
        return String.format(Locale.ROOT, "| %s | %.3f ms | %.3f%% |", what, ms, ms / 10);
    }

    /** Median CPU milliseconds of one round, after {@code warm} rounds, over five batches of {@code rounds}/5. */
    static double cpuPerRound(Runnable round, int warm, int rounds) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < warm; i++) {
            round.run();
        }
        double[] batches = new double[5];
        int each = Math.max(1, rounds / batches.length);
        for (int b = 0; b < batches.length; b++) {
            long t0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < each; i++) {
                round.run();
            }
            batches[b] = (threads.getCurrentThreadCpuTime() - t0) / 1e6 / each;
        }
        java.util.Arrays.sort(batches);
        return batches[2];
    }
}
