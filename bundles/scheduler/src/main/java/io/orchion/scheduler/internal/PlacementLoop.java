package io.orchion.scheduler.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.orchion.api.job.Job;
import io.orchion.api.node.Node;
import io.orchion.api.scheduler.SchedulingStrategy;

/**
 * The placement rounds of one scheduler, and what they remember between rounds: the cluster as the
 * jobs left pending were last judged against (the nodes, what placed jobs hold, the strategy, which
 * servers answer). A pending job's answer can change only when that does, so a round judges every
 * pending job when it changed and otherwise only the jobs no round has judged yet (new, back from
 * a failed run, past their backoff). An idle scheduler with thousands of jobs that fit nowhere
 * does no work per job, and each job still says why it waits.
 * <p>
 * Not thread-safe: the scheduler's single loop thread calls it.
 */
final class PlacementLoop {

    /** What a round did: the placements (stored, not yet sent) and how many pending jobs it judged. */
    record Round(List<Job> placed, int judged) {
    }

    /** What the pending jobs were judged against. */
    private record View(List<Candidate> cluster, SchedulingStrategy strategy, long servers) {
    }

    private final JobBook book;
    private final PlacementRound.Filter filter;
    private View judged;

    PlacementLoop(JobBook book) {
        this(book, Feasibility::filter);
    }

    PlacementLoop(JobBook book, PlacementRound.Filter filter) {
        this.book = book;
        this.filter = filter;
    }

    /**
     * One round: judges the pending jobs that need it against {@code nodes}, stores the placements
     * and the reasons of the jobs that stay pending.
     *
     * @param name     the active strategy's name, for the placement events
     * @param strategy the active strategy; null when none is installed
     */
    Round round(List<Node> nodes, String name, SchedulingStrategy strategy) {
        List<Candidate> cluster = new ArrayList<>(Snapshot.of(nodes, book.holding()));
        cluster.sort(Comparator.comparing(Candidate::id));
        long servers = book.servers();
        View now = new View(cluster, strategy, servers);
        List<PlacementRound.Pending> queue = book.judge(!now.equals(judged));
        if (queue.isEmpty()) {
            judged = now;
            return new Round(List.of(), 0);
        }
        Map<String, String> why = new LinkedHashMap<>();
        List<PlacementRound.Pending> ready = ServerReference.ready(queue, book.holding(), why::put);
        if (strategy == null) {
            ready.forEach(p -> why.put(p.jobId(), StrategySelection.NONE));
            book.unplaced(why);
            judged = now;
            return new Round(List.of(), queue.size());
        }
        PlacementRound.Outcome out = PlacementRound.run(ready, cluster, strategy, filter);
        Map<String, String> names = new HashMap<>();
        nodes.forEach(n -> names.put(n.id(), n.name()));
        List<Job> placed = book.placedAll(out.placed(), names::get, name);
        why.putAll(out.pendingWhy());
        book.unplaced(why); // one transaction for the reasons that changed
        judged = new View(out.after(), strategy, servers);
        return new Round(placed, queue.size());
    }

    /** The next round judges every pending job, as if the cluster had changed. */
    void forget() {
        judged = null;
    }
}
