package io.orchion.scheduler.internal;

import java.util.ArrayList;
import java.util.Comparator;
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

    record Outcome(List<Decision> placed, Map<String, String> pendingWhy) {
    }

    static final Comparator<Pending> QUEUE_ORDER = Comparator.comparingInt((Pending p) -> -p.spec().priority())
            .thenComparingLong(Pending::sequence);

    private PlacementRound() {
    }

    static Outcome run(List<Pending> queue, List<Candidate> nodes, SchedulingStrategy strategy) {
        List<Pending> ordered = new ArrayList<>(queue);
        ordered.sort(QUEUE_ORDER);
        Map<String, Candidate> snapshot = new LinkedHashMap<>();
        nodes.stream().sorted(Comparator.comparing(Candidate::id)).forEach(c -> snapshot.put(c.id(), c));
        List<Decision> placed = new ArrayList<>();
        Map<String, String> why = new LinkedHashMap<>();
        for (Pending p : ordered) {
            Feasibility.Result r = Feasibility.filter(p.spec(), List.copyOf(snapshot.values()));
            if (r.feasible().isEmpty()) {
                why.put(p.jobId(), r.explain(snapshot.size()));
                continue;
            }
            List<NodeSlot> slots = r.feasible().stream().map(Candidate::slot).toList();
            Placement choice = strategy.choose(p.spec().resources(), slots);
            Candidate chosen = snapshot.get(choice.nodeId());
            if (chosen == null || !r.feasible().contains(chosen)) {
                why.put(p.jobId(), "the strategy chose " + choice.nodeId() + ", which cannot take the job");
                continue;
            }
            snapshot.put(chosen.id(), chosen.reserve(p.spec().resources(), choice.gpuIndices()));
            placed.add(new Decision(p.jobId(), choice));
        }
        return new Outcome(placed, why);
    }
}
