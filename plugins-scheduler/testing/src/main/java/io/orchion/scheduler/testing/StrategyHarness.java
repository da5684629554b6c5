package io.orchion.scheduler.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.Placement;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.scheduler.SchedulingStrategy;

/**
 * Runs a strategy over a fixed cluster with no side effects: each request is offered the nodes
 * it fits on (the resource filter the scheduler applies), the strategy chooses, and the harness
 * reserves the resources in its own copy of the cluster before the next request. A request that
 * fits nowhere is left unplaced, as the scheduler would leave it pending.
 */
public final class StrategyHarness {
    private final SchedulingStrategy strategy;
    private final Map<String, NodeSlot> nodes = new LinkedHashMap<>();

    public StrategyHarness(SchedulingStrategy strategy, List<NodeSlot> cluster) {
        this.strategy = strategy;
        cluster.forEach(n -> nodes.put(n.nodeId(), n));
    }

    /** Places one request; empty if no node can take it. */
    public Optional<Placement> place(ResourceRequest request) {
        List<NodeSlot> feasible = new ArrayList<>();
        for (NodeSlot n : nodes.values()) {
            if (n.fits(request)) {
                feasible.add(n);
            }
        }
        if (feasible.isEmpty()) {
            return Optional.empty();
        }
        feasible.sort(Comparator.comparing(NodeSlot::nodeId));
        Placement p = strategy.choose(request, List.copyOf(feasible));
        NodeSlot chosen = nodes.get(p.nodeId());
        if (chosen == null || !feasible.contains(chosen)) {
            throw new AssertionError("strategy chose " + p.nodeId() + ", which was not offered");
        }
        if (p.gpuIndices().size() != request.gpus()) {
            throw new AssertionError("strategy chose " + p.gpuIndices().size() + " GPUs for a request of " + request.gpus());
        }
        nodes.put(chosen.nodeId(), chosen.reserve(request, p.gpuIndices()));
        return Optional.of(p);
    }

    /** Places each request in turn; the node ids chosen, "-" for a request left pending. */
    public List<String> placeAll(List<ResourceRequest> requests) {
        List<String> out = new ArrayList<>();
        for (ResourceRequest r : requests) {
            out.add(place(r).map(Placement::nodeId).orElse("-"));
        }
        return out;
    }

    /** The harness's copy of a node after the placements so far. */
    public NodeSlot node(String id) {
        return nodes.get(id);
    }
}
