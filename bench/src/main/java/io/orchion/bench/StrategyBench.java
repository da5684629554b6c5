package io.orchion.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import io.orchion.api.scheduler.GpuSlot;
import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.scheduler.binpacking.internal.BinPackingStrategy;
import io.orchion.scheduler.gpuaware.internal.GpuAwareStrategy;
import io.orchion.scheduler.roundrobin.internal.RoundRobinStrategy;
import io.orchion.scheduler.testing.StrategyHarness;

/**
 * Decision-only placements per second for each strategy on 1,000 and 5,000 simulated nodes: the
 * resource filter over every node, the strategy's choice and the reservation in the snapshot, as
 * the harness runs them. Bounded: 2 s warm-up and 3 s measured per case, at most 1,000,000
 * placements. Committed placements (through the store) come with the scheduler core.
 */
final class StrategyBench {
    static final long WARMUP_MS = 2000;
    static final long MEASURE_MS = 3000;
    static final int MAX_PLACEMENTS = 1_000_000;
    static final long GIB = 1L << 30;

    static List<String> run() {
        Map<String, Supplier<SchedulingStrategy>> strategies = Map.of("round-robin", RoundRobinStrategy::new,
                "gpu-aware", GpuAwareStrategy::new, "bin-packing", BinPackingStrategy::new);
        List<String> out = new ArrayList<>();
        out.add("| strategy | 1,000 nodes | 5,000 nodes |");
        out.add("| --- | --- | --- |");
        for (String name : List.of("round-robin", "gpu-aware", "bin-packing")) {
            StringBuilder row = new StringBuilder("| " + name + " |");
            for (int nodes : new int[] { 1000, 5000 }) {
                double rate = measure(strategies.get(name), nodes);
                row.append(String.format(Locale.ROOT, " %,.0f /s |", rate));
                System.err.printf(Locale.ROOT, "  %-12s %5d nodes %,12.0f placements/s%n", name, nodes, rate);
            }
            out.add(row.toString());
        }
        out.add("");
        out.add("Jobs: 80% CPU-only (0.05 core, 64 MiB), 20% one GPU with 1 GiB; 30% of the nodes have 1-4 GPUs.");
        return out;
    }

    static double measure(Supplier<SchedulingStrategy> strategy, int nodeCount) {
        run(strategy, nodeCount, WARMUP_MS);
        return run(strategy, nodeCount, MEASURE_MS);
    }

    /** Placements per second over {@code millis}, rebuilding the cluster if it ever fills up. */
    static double run(Supplier<SchedulingStrategy> strategy, int nodeCount, long millis) {
        Random random = new Random(42);
        List<NodeSlot> cluster = cluster(nodeCount, random);
        ResourceRequest cpuJob = new ResourceRequest(0.05, 64L << 20, 0, 0);
        ResourceRequest gpuJob = new ResourceRequest(0.05, 64L << 20, 1, GIB);
        StrategyHarness h = new StrategyHarness(strategy.get(), cluster);
        long placed = 0;
        long start = System.nanoTime();
        long end = start + millis * 1_000_000;
        while (System.nanoTime() < end && placed < MAX_PLACEMENTS) {
            ResourceRequest r = random.nextInt(5) == 0 ? gpuJob : cpuJob;
            if (h.place(r).isEmpty()) {
                h = new StrategyHarness(strategy.get(), cluster);
                continue;
            }
            placed++;
        }
        return placed / ((System.nanoTime() - start) / 1e9);
    }

    static List<NodeSlot> cluster(int count, Random random) {
        List<NodeSlot> nodes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double cores = 4 + random.nextInt(4) * 4;
            long memory = (8L + random.nextInt(8) * 8) * GIB;
            List<GpuSlot> gpus = new ArrayList<>();
            if (random.nextInt(10) < 3) {
                long[] sizes = { 24, 48, 80 };
                int n = 1 + random.nextInt(4);
                for (int g = 0; g < n; g++) {
                    long m = sizes[random.nextInt(sizes.length)] * GIB;
                    gpus.add(new GpuSlot(g, m, m));
                }
            }
            String id = String.format("node-%05d", i);
            nodes.add(new NodeSlot(id, id, Map.of(), cores, cores, memory, memory, gpus));
        }
        return nodes;
    }
}
