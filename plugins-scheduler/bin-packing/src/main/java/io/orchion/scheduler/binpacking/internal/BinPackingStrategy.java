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
        double bestScore = Double.NEGATIVE_INFINITY;
        for (NodeSlot n : feasible) {
            double s = scoreAfter(n, request); // arithmetic only: this runs for every feasible node
            if (s > bestScore + 1e-12) {
                best = n;
                bestScore = s;
            }
        }
        return new Placement(best.nodeId(), best.bestFitGpus(request));
    }

    /** Average use of the node's dimensions once the request is placed, 0 (idle) to 1 (full). */
    static double scoreAfter(NodeSlot n, ResourceRequest r) {
        double cpu = n.cpuTotal() <= 0 ? 1 : 1 - (n.cpuFree() - r.cpu()) / n.cpuTotal();
        double memory = n.memoryTotal() <= 0 ? 1 : 1 - (double) (n.memoryFree() - r.memoryBytes()) / n.memoryTotal();
        if (!n.hasGpus()) {
            return (cpu + memory) / 2;
        }
        return (cpu + memory + n.gpuMemoryUsedAfter((long) r.gpus() * r.gpuMemoryBytes())) / 3;
    }

    /** Average use of a node as it is, 0 (idle) to 1 (full). */
    static double score(NodeSlot n) {
        return scoreAfter(n, new ResourceRequest(0, 0, 0, 0));
    }
}
