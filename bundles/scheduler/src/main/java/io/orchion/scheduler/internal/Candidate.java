package io.orchion.scheduler.internal;

import java.util.Set;

import io.orchion.api.node.NodeStatus;
import io.orchion.api.runtime.Allowance;
import io.orchion.api.scheduler.NodeSlot;

/**
 * A node as the placement round sees it: its status, the runtimes it runs, what an admin allowed
 * runs there beyond the default sandbox, and its resources ({@code slot}, whose labels include
 * {@code arch} and {@code os}).
 */
record Candidate(NodeStatus status, Set<String> runtimes, Set<Allowance> allowed, NodeSlot slot) {

    Candidate {
        allowed = allowed == null ? Set.of() : allowed;
    }

    /** A node that allows nothing beyond the default sandbox. */
    Candidate(NodeStatus status, Set<String> runtimes, NodeSlot slot) {
        this(status, runtimes, Set.of(), slot);
    }

    String id() {
        return slot.nodeId();
    }

    Candidate reserve(io.orchion.api.scheduler.ResourceRequest r, java.util.List<Integer> gpus) {
        return new Candidate(status, runtimes, allowed, slot.reserve(r, gpus));
    }
}
