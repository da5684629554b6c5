package io.orchion.api.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A node in a scheduling snapshot: what it has and what is still free. Immutable; the scheduler
 * builds a fresh snapshot per placement round and {@link #reserve} gives the node after one more
 * placement, so strategies and tests never touch live state.
 */
public record NodeSlot(String nodeId, String name, Map<String, String> labels, double cpuTotal, double cpuFree,
        long memoryTotal, long memoryFree, List<GpuSlot> gpus) {

    public NodeSlot {
        labels = Map.copyOf(labels);
        gpus = List.copyOf(gpus);
    }

    public boolean hasGpus() {
        return !gpus.isEmpty();
    }

    /** GPUs with at least {@code bytes} free, best fit first (least free memory), then by index. */
    public List<GpuSlot> gpusFitting(long bytes) {
        List<GpuSlot> fitting = new ArrayList<>();
        for (GpuSlot g : gpus) {
            if (g.freeMemoryBytes() >= bytes) {
                fitting.add(g);
            }
        }
        fitting.sort(Comparator.comparingLong(GpuSlot::freeMemoryBytes).thenComparingInt(GpuSlot::index));
        return fitting;
    }

    /** Whether the request fits in what is free: CPU, memory, and enough GPUs with the memory. */
    public boolean fits(ResourceRequest r) {
        if (cpuFree + 1e-9 < r.cpu() || memoryFree < r.memoryBytes()) {
            return false;
        }
        if (!r.wantsGpu()) {
            return true;
        }
        int fitting = 0; // counted, not collected: this runs for every node on every placement
        for (GpuSlot g : gpus) {
            if (g.freeMemoryBytes() >= r.gpuMemoryBytes()) {
                fitting++;
            }
        }
        return fitting >= r.gpus();
    }

    /** The best-fitting GPUs for the request: the fewest bytes left over on each. */
    public List<Integer> bestFitGpus(ResourceRequest r) {
        if (!r.wantsGpu()) {
            return List.of();
        }
        return gpusFitting(r.gpuMemoryBytes()).stream().limit(r.gpus()).map(GpuSlot::index).toList();
    }

    /** This node after the request is placed on it (and on the given GPUs). */
    public NodeSlot reserve(ResourceRequest r, List<Integer> gpuIndices) {
        List<GpuSlot> after = new ArrayList<>(gpus.size());
        for (GpuSlot g : gpus) {
            after.add(gpuIndices.contains(g.index()) ? g.reserve(r.gpuMemoryBytes()) : g);
        }
        return new NodeSlot(nodeId, name, labels, cpuTotal, cpuFree - r.cpu(), memoryTotal,
                memoryFree - r.memoryBytes(), after);
    }

    /** Share of CPU in use, 0 to 1. */
    public double cpuUsed() {
        return cpuTotal <= 0 ? 1 : 1 - cpuFree / cpuTotal;
    }

    /** Share of memory in use, 0 to 1. */
    public double memoryUsed() {
        return memoryTotal <= 0 ? 1 : 1 - (double) memoryFree / memoryTotal;
    }

    /** Share of GPU memory in use over all GPUs, 0 to 1; 0 for a node without GPUs. */
    public double gpuMemoryUsed() {
        return gpuMemoryUsedAfter(0);
    }

    /** Share of GPU memory in use once {@code moreBytes} more are reserved; 0 without GPUs. */
    public double gpuMemoryUsedAfter(long moreBytes) {
        long total = 0;
        long free = 0;
        for (GpuSlot g : gpus) {
            total += g.memoryBytes();
            free += g.freeMemoryBytes();
        }
        return total <= 0 ? 0 : 1 - (double) (free - moreBytes) / total;
    }
}
