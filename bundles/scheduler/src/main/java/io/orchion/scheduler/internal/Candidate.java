package io.orchion.scheduler.internal;

import java.util.Set;

import io.orchion.api.node.NodeStatus;
import io.orchion.api.scheduler.NodeSlot;

/**
 * A node as the placement round sees it: its status, the runtimes it runs, and its resources
 * ({@code slot}, whose labels include {@code arch} and {@code os}).
 */
record Candidate(NodeStatus status, Set<String> runtimes, NodeSlot slot) {

    String id() {
        return slot.nodeId();
    }

    Candidate reserve(io.orchion.api.scheduler.ResourceRequest r, java.util.List<Integer> gpus) {
        return new Candidate(status, runtimes, slot.reserve(r, gpus));
    }
}
