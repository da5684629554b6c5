package io.orchion.scheduler.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.orchion.api.scheduler.GpuSlot;
import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.ResourceRequest;

/** Nodes and requests for strategy tests, in the units operators think in. */
public final class Fixtures {
    public static final long GIB = 1L << 30;

    private Fixtures() {
    }

    /** An idle CPU-only node. */
    public static NodeSlot cpuNode(String id, double cores, long memoryGib) {
        return new NodeSlot(id, id, Map.of(), cores, cores, memoryGib * GIB, memoryGib * GIB, List.of());
    }

    /** An idle node with one GPU per entry of {@code gpuMemoryGib}. */
    public static NodeSlot gpuNode(String id, double cores, long memoryGib, long... gpuMemoryGib) {
        List<GpuSlot> gpus = new ArrayList<>();
        for (int i = 0; i < gpuMemoryGib.length; i++) {
            gpus.add(new GpuSlot(i, gpuMemoryGib[i] * GIB, gpuMemoryGib[i] * GIB));
        }
        return new NodeSlot(id, id, Map.of(), cores, cores, memoryGib * GIB, memoryGib * GIB, gpus);
    }

    public static ResourceRequest cpu(double cores, long memoryGib) {
        return new ResourceRequest(cores, memoryGib * GIB, 0, 0);
    }

    public static ResourceRequest gpu(double cores, long memoryGib, int gpus, long gpuMemoryGib) {
        return new ResourceRequest(cores, memoryGib * GIB, gpus, gpuMemoryGib * GIB);
    }
}
