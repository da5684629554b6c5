package io.orchion.api.scheduler;

import java.util.List;

/** Where a job goes: a node and, for a GPU job, which of its GPUs. */
public record Placement(String nodeId, List<Integer> gpuIndices) {

    public Placement {
        gpuIndices = List.copyOf(gpuIndices);
    }
}
