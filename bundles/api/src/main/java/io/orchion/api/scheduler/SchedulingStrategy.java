package io.orchion.api.scheduler;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Extension point: chooses where a job goes among the nodes that can take it. The scheduler's
 * shared filters (status, constraints, runtime, free resources) have already removed the nodes
 * that cannot; a strategy only ranks. It sees a read-only snapshot and never writes cluster state
 * (it may keep bookkeeping of its own, such as a rotation cursor).
 * <p>
 * Plugins register it as a whiteboard service with {@link #NAME} set, e.g.
 * {@code orchion.strategy=bin-packing}; the core never names an implementation.
 */
@ConsumerType
public interface SchedulingStrategy {
    /** Service property: the strategy's name, as operators type it. */
    String NAME = "orchion.strategy";

    /**
     * @param request  what the job asks for
     * @param feasible nodes that can take it, never empty, ordered by node id
     * @return the chosen node (one of {@code feasible}) and, for a GPU job, its GPUs
     */
    Placement choose(ResourceRequest request, List<NodeSlot> feasible);

    /**
     * A strategy to try placements with that leaves this one as it is: a preview ("where would the
     * pending jobs go under this strategy?") places on the copy, so it never moves the bookkeeping of
     * the strategy that places for real (a rotation cursor). A stateless strategy returns itself,
     * the default; one with state returns a copy of its state.
     */
    default SchedulingStrategy copy() {
        return this;
    }
}
