package io.orchion.example.last;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.Placement;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.scheduler.SchedulingStrategy;

/** An example strategy plugin: the feasible node with the highest id, best-fit GPUs. */
@Component(property = SchedulingStrategy.NAME + "=last-node")
public class LastNodeStrategy implements SchedulingStrategy {

    @Override
    public Placement choose(ResourceRequest request, List<NodeSlot> feasible) {
        NodeSlot last = feasible.get(feasible.size() - 1);
        return new Placement(last.nodeId(), last.bestFitGpus(request));
    }
}
