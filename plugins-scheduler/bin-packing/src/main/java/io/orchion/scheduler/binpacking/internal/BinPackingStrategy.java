package io.orchion.scheduler.binpacking.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.Placement;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.scheduler.SchedulingStrategy;

/**
 * Fills the fullest feasible node first, so whole nodes stay free for big jobs (and can sleep).
 * A node's score is its average use after the placement over CPU, memory and, on GPU nodes, GPU
 * memory; the highest score wins, ties go to the lower node id.
 */
@Component(property = SchedulingStrategy.NAME + "=bin-packing")
public class BinPackingStrategy implements SchedulingStrategy {

    @Override
    public Placement choose(ResourceRequest request, List<NodeSlot> feasible) {
        NodeSlot best = null;
        List<Integer> bestGpus = List.of();
        double bestScore = Double.NEGATIVE_INFINITY;
        for (NodeSlot n : feasible) {
            List<Integer> gpus = n.bestFitGpus(request);
            double s = score(n.reserve(request, gpus));
            if (s > bestScore + 1e-12) {
                best = n;
                bestGpus = gpus;
                bestScore = s;
            }
        }
        return new Placement(best.nodeId(), bestGpus);
    }

    /** Average use of the node's dimensions, 0 (idle) to 1 (full). */
    static double score(NodeSlot after) {
        double sum = after.cpuUsed() + after.memoryUsed();
        int dims = 2;
        if (after.hasGpus()) {
            sum += after.gpuMemoryUsed();
            dims++;
        }
        return sum / dims;
    }
}
