package io.orchion.scheduler.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.orchion.api.job.JobSpec;
import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.Placement;
import io.orchion.api.scheduler.SchedulingStrategy;

/**
 * One pass over the pending queue against a snapshot of the nodes: highest priority first (then
 * oldest), shared filters, the strategy's choice, and a reservation in the snapshot before the next
 * job. Nothing outside the snapshot changes, so the same round serves a real placement (the caller
 * stores and sends the decisions) and a preview under another strategy.
 */
final class PlacementRound {

    /** A job waiting for a node; {@code sequence} orders jobs of equal priority by age. */
    record Pending(String jobId, long sequence, JobSpec spec) {
    }

    record Decision(String jobId, Placement placement) {
    }

    /**
     * @param after the snapshot once the placements are reserved, ordered by node id: what the jobs
     *              left pending were judged against
     */
    record Outcome(List<Decision> placed, Map<String, String> pendingWhy, List<Candidate> after) {
    }

    /** The shared filters; a seam so that a test can count how many jobs a round judged. */
    interface Filter {
        Feasibility.Result apply(JobSpec job, List<Candidate> nodes);
    }

    static final Comparator<Pending> QUEUE_ORDER = Comparator.comparingInt((Pending p) -> -p.spec().priority())
            .thenComparingLong(Pending::sequence);

    private PlacementRound() {
    }

    static Outcome run(List<Pending> queue, List<Candidate> nodes, SchedulingStrategy strategy) {
        return run(queue, nodes, strategy, Feasibility::filter);
    }

    static Outcome run(List<Pending> queue, List<Candidate> nodes, SchedulingStrategy strategy, Filter filter) {
        List<Pending> ordered = new ArrayList<>(queue);
        ordered.sort(QUEUE_ORDER);
        // one array, updated in place as placements reserve resources: no copy per job
        List<Candidate> snapshot = new ArrayList<>(nodes);
        snapshot.sort(Comparator.comparing(Candidate::id));
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < snapshot.size(); i++) {
            index.put(snapshot.get(i).id(), i);
        }
        List<Decision> placed = new ArrayList<>();
        Map<String, String> why = new LinkedHashMap<>();
        for (Pending p : ordered) {
            Feasibility.Result r = filter.apply(p.spec(), snapshot);
            if (r.feasible().isEmpty()) {
                why.put(p.jobId(), r.explain(snapshot.size()));
                continue;
            }
            List<NodeSlot> slots = new ArrayList<>(r.feasible().size());
            for (Candidate c : r.feasible()) {
                slots.add(c.slot());
            }
            Placement choice = strategy.choose(p.spec().resources(), slots);
            Integer at = index.get(choice.nodeId());
            Candidate chosen = at == null ? null : snapshot.get(at);
            if (chosen == null || Feasibility.reject(p.spec(), chosen) != null) {
                why.put(p.jobId(), "the strategy chose " + choice.nodeId() + ", which cannot take the job");
                continue;
            }
            snapshot.set(at, chosen.reserve(p.spec().resources(), choice.gpuIndices()));
            placed.add(new Decision(p.jobId(), choice));
        }
        return new Outcome(placed, why, snapshot);
    }
}
