package io.orchion.scheduler.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobStore;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.scheduler.GpuSlot;
import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.scheduler.binpacking.internal.BinPackingStrategy;
import io.orchion.scheduler.gpuaware.internal.GpuAwareStrategy;
import io.orchion.scheduler.roundrobin.internal.RoundRobinStrategy;
import io.orchion.store.internal.BenchStores;

/**
 * Placements per second through the scheduler's own code, decision only (the placement round) and
 * committed (each placement stored in the MapDB store, on disk, as the orchestrator does before
 * it sends the assignment). Bounded: one round of a fixed number of pending jobs per case.
 */
public final class CommittedPlacementBench {
    static final int JOBS = 4000;

    private CommittedPlacementBench() {
    }

    public static List<String> run(Path work) throws Exception {
        Map<String, Supplier<SchedulingStrategy>> strategies = Map.of("round-robin", RoundRobinStrategy::new,
                "gpu-aware", GpuAwareStrategy::new, "bin-packing", BinPackingStrategy::new);
        List<String> out = new ArrayList<>();
        out.add("| strategy | nodes | decision only | committed to the store |");
        out.add("| --- | --- | --- | --- |");
        int dirs = 0;
        for (String name : List.of("round-robin", "gpu-aware", "bin-packing")) {
            for (int nodes : new int[] { 1000, 5000 }) {
                List<Candidate> cluster = cluster(nodes, new Random(7));
                for (int w = 0; w < 3; w++) {
                    measure(strategies.get(name).get(), cluster, null); // warm-up: let the JIT finish
                }
                double decision = median(() -> measure(strategies.get(name).get(), cluster, null));
                Path dir = Files.createDirectories(work.resolve("store-" + dirs++));
                JobStore store = BenchStores.open(dir);
                double committed;
                try {
                    committed = median(() -> measure(strategies.get(name).get(), cluster, store));
                } finally {
                    BenchStores.close(store);
                }
                out.add(String.format(Locale.ROOT, "| %s | %,d | %,.0f /s | %,.0f /s |", name, nodes, decision, committed));
                System.err.printf(Locale.ROOT, "  %-12s %5d nodes  decision %,10.0f/s  committed %,10.0f/s%n", name,
                        nodes, decision, committed);
            }
        }
        out.add("");
        out.add("Median of five placement rounds (after three warm-up rounds) of " + JOBS + " pending jobs (0.05 core, 64 MiB; one in five wants a GPU with 1 GiB) "
                + "per case. Committed: the round's placements stored in one MapDB transaction (a group commit) before "
                + "any is sent.");
        return out;
    }

    /** The median of five rounds. */
    static double median(java.util.function.DoubleSupplier round) {
        double[] r = new double[5];
        for (int i = 0; i < r.length; i++) {
            r[i] = round.getAsDouble();
        }
        java.util.Arrays.sort(r);
        return r[2];
    }

    /** Placements per second for one round over the cluster; stored through a JobBook if a store is given. */
    static double measure(SchedulingStrategy strategy, List<Candidate> cluster, JobStore store) {
        JobStore sink = store != null ? store : new JobStore() {
            @Override
            public void save(io.orchion.api.job.Job job) {
            }

            @Override
            public void saveAll(java.util.Collection<io.orchion.api.job.Job> jobs) {
            }

            @Override
            public java.util.Collection<io.orchion.api.job.Job> loadJobs() {
                return List.of();
            }

            @Override
            public void deleteJobs(java.util.Collection<String> ids) {
            }
        };
        JobBook book = new JobBook(sink, InstantSource.system());
        Random r = new Random(3);
        for (int i = 0; i < JOBS; i++) {
            ResourceRequest req = r.nextInt(5) == 0 ? new ResourceRequest(0.05, 64L << 20, 1, 1L << 30)
                    : new ResourceRequest(0.05, 64L << 20, 0, 0);
            book.submit(new JobSpec("bench", "process", Map.of(), req, List.of(), 100, RestartPolicy.NONE, null, Map.of()));
        }
        long start = System.nanoTime();
        PlacementRound.Outcome o = PlacementRound.run(book.pending(), cluster, strategy);
        if (store != null) {
            book.placedAll(o.placed(), id -> id, "bench");
        }
        return o.placed().size() / ((System.nanoTime() - start) / 1e9);
    }

    static List<Candidate> cluster(int count, Random random) {
        List<Candidate> nodes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double cores = 4 + random.nextInt(4) * 4;
            long memory = (8L + random.nextInt(8) * 8) << 30;
            List<GpuSlot> gpus = new ArrayList<>();
            if (random.nextInt(10) < 3) {
                for (int g = 0; g < 1 + random.nextInt(4); g++) {
                    gpus.add(new GpuSlot(g, 24L << 30, 24L << 30));
                }
            }
            String id = String.format("node-%05d", i);
            nodes.add(new Candidate(NodeStatus.READY, Set.of("process"),
                    new NodeSlot(id, id, Map.of("arch", "amd64"), cores, cores, memory, memory, gpus)));
        }
        return nodes;
    }
}
