package io.orchion.scheduler.gpuaware.internal;

import java.util.Comparator;
import java.util.List;

import org.osgi.service.component.annotations.Component;

import io.orchion.api.scheduler.GpuSlot;
import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.Placement;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.scheduler.SchedulingStrategy;

/**
 * GPU jobs go to the GPUs whose free memory fits them best (the least memory left over), so a job
 * asking for 6 GiB shares a partly used 24 GiB GPU rather than opening an idle 80 GiB one.
 * CPU-only jobs go to the node without GPUs that has the most free CPU; only when no such node can
 * take them do they use a GPU node, again the one with the most free CPU.
 */
@Component(property = SchedulingStrategy.NAME + "=gpu-aware")
public class GpuAwareStrategy implements SchedulingStrategy {

    @Override
    public Placement choose(ResourceRequest request, List<NodeSlot> feasible) {
        if (request.wantsGpu()) {
            NodeSlot best = feasible.stream().min(Comparator.comparingLong((NodeSlot n) -> leftover(n, request))
                    .thenComparing(NodeSlot::nodeId)).orElseThrow();
            return new Placement(best.nodeId(), best.bestFitGpus(request));
        }
        Comparator<NodeSlot> roomiest = Comparator.comparingDouble(NodeSlot::cpuFree).reversed()
                .thenComparing(Comparator.comparingLong(NodeSlot::memoryFree).reversed())
                .thenComparing(NodeSlot::nodeId);
        NodeSlot best = feasible.stream().filter(n -> !n.hasGpus()).min(roomiest)
                .orElseGet(() -> feasible.stream().min(roomiest).orElseThrow());
        return new Placement(best.nodeId(), List.of());
    }

    /** GPU memory left over on the GPUs this node would give the request: lower fits better. */
    static long leftover(NodeSlot node, ResourceRequest request) {
        return node.gpusFitting(request.gpuMemoryBytes()).stream().limit(request.gpus())
                .mapToLong(GpuSlot::freeMemoryBytes).map(free -> free - request.gpuMemoryBytes()).sum();
    }
}
