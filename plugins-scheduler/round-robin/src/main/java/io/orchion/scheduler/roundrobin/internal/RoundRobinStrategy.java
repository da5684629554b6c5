package io.orchion.scheduler.roundrobin.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;

import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.Placement;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.scheduler.SchedulingStrategy;

/**
 * Rotates among the feasible nodes in node-id order: each job goes to the first feasible node
 * after the one chosen last, wrapping around. The cursor is a node id rather than an index, so the
 * rotation stays fair while nodes join, leave or fill up.
 */
@Component(property = SchedulingStrategy.NAME + "=round-robin")
public class RoundRobinStrategy implements SchedulingStrategy {
    private String last = "";

    @Override
    public synchronized Placement choose(ResourceRequest request, List<NodeSlot> feasible) {
        NodeSlot next = feasible.get(0);
        for (NodeSlot n : feasible) {
            if (n.nodeId().compareTo(last) > 0) {
                next = n;
                break;
            }
        }
        last = next.nodeId();
        return new Placement(next.nodeId(), next.bestFitGpus(request));
    }

    /** A rotation that starts where this one is and moves on its own (a preview's). */
    @Override
    public synchronized SchedulingStrategy copy() {
        RoundRobinStrategy c = new RoundRobinStrategy();
        c.last = last;
        return c;
    }
}
