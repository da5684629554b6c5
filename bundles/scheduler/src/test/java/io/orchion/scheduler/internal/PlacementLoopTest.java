package io.orchion.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.job.RunPhase;
import io.orchion.api.job.RunReport;
import io.orchion.api.node.Capabilities;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.Placement;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.scheduler.binpacking.internal.BinPackingStrategy;

/**
 * The placement loop judges a pending job again only when something that could change its answer
 * changed; counted through the filter and strategy seams, never timed.
 */
class PlacementLoopTest {
    static final int JOBS = 10_000;

    Instant now = Instant.parse("2026-12-02T00:00:00Z");
    final InstantSource clock = () -> now;
    final MemoryJobStore store = new MemoryJobStore();
    final JobBook book = new JobBook(store, clock);
    int filtered;
    int chosen;
    final SchedulingStrategy strategy = new SchedulingStrategy() {
        final BinPackingStrategy real = new BinPackingStrategy();

        @Override
        public Placement choose(ResourceRequest request, List<NodeSlot> feasible) {
            chosen++;
            return real.choose(request, feasible);
        }
    };
    final PlacementLoop loop = new PlacementLoop(book, (job, nodes) -> {
        filtered++;
        return Feasibility.filter(job, nodes);
    });

    static Node node(String id, int cores) {
        Capabilities caps = new Capabilities("cpu", cores, "amd64", 64L << 30, "GNU/Linux Debian 12", List.of(),
                Map.of(), List.of("process"));
        Instant t = Instant.parse("2026-12-01T00:00:00Z");
        return new Node(id, id, id, "", "", caps, NodeStatus.READY, false, t, t, null);
    }

    static JobSpec job(int priority, double cores) {
        return new JobSpec("j", "process", Map.of("command", List.of("true")), new ResourceRequest(cores, 1L << 30, 0, 0),
                List.of(), priority, RestartPolicy.NONE, null, Map.of());
    }

    PlacementLoop.Round round(List<Node> nodes) {
        filtered = 0;
        chosen = 0;
        return loop.round(nodes, "bin-packing", strategy);
    }

    @Test
    void tenThousandJobsThatFitNowhereAreJudgedOnceThenAgainOnlyWhenANodeJoins() {
        // given 10,000 jobs of 8 cores at three priorities, and one 4-core node
        List<Node> cluster = new ArrayList<>(List.of(node("small", 4)));
        List<Job> submitted = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            submitted.add(book.submit(job(new int[] { 10, 500, 100 }[i % 3], 8)));
        }

        // when the first round runs, then every job is judged once and says why it waits
        PlacementLoop.Round first = round(cluster);
        assertEquals(JOBS, first.judged());
        assertEquals(JOBS, filtered);
        assertTrue(first.placed().isEmpty());
        assertEquals("1 node: 1 lacked 8 cores free CPU", book.get(submitted.get(0).id()).orElseThrow().message());

        // when rounds run with nothing changed, then no job is judged and the strategy is not asked
        for (int r = 0; r < 3; r++) {
            PlacementLoop.Round idle = round(cluster);
            assertEquals(0, idle.judged());
            assertEquals(0, filtered);
            assertEquals(0, chosen);
        }

        // when one more job arrives, then only that one is judged
        Job late = book.submit(job(1000, 8));
        assertEquals(1, round(cluster).judged());
        assertEquals(1, filtered);

        // when a 16-core node joins, then every pending job is judged again, and the two that fit are the
        // highest priority ones, the oldest first
        cluster.add(node("big", 16));
        int commits = store.commits;
        PlacementLoop.Round joined = round(cluster);
        assertEquals(JOBS + 1, joined.judged());
        assertEquals(JOBS + 1, filtered);
        assertEquals(2, chosen);
        List<String> expected = List.of(late.id(), submitted.get(1).id()); // priority 1000, then the oldest at 500
        assertEquals(expected, joined.placed().stream().map(Job::id).toList());
        assertTrue(joined.placed().stream().allMatch(j -> j.nodeId().equals("big")));

        // and the reasons of those left name both nodes now, all stored with the placements in two commits
        assertEquals("2 nodes: 2 lacked 8 cores free CPU", book.get(submitted.get(4).id()).orElseThrow().message());
        assertEquals("2 nodes: 2 lacked 8 cores free CPU", store.stored.get(submitted.get(JOBS - 1).id()).message());
        assertEquals(commits + 2, store.commits, "one transaction for the placements, one for the reasons");

        // and the queue keeps priority, then submission order
        List<PlacementRound.Pending> queue = book.pending();
        assertEquals(JOBS - 1, queue.size());
        Map<String, Integer> order = new java.util.HashMap<>();
        for (int i = 0; i < submitted.size(); i++) {
            order.put(submitted.get(i).id(), i);
        }
        List<PlacementRound.Pending> sorted = new ArrayList<>(queue);
        sorted.sort(Comparator.comparingInt((PlacementRound.Pending p) -> -p.spec().priority())
                .thenComparing(p -> order.get(p.jobId())));
        assertEquals(sorted.stream().map(PlacementRound.Pending::jobId).toList(),
                queue.stream().map(PlacementRound.Pending::jobId).toList());
        assertEquals(submitted.get(4).id(), queue.get(0).jobId(), "the second-oldest job at priority 500 is next");

        // when the round after the placements runs with nothing else changed, then nothing is judged
        assertEquals(0, round(cluster).judged());
        assertEquals(0, filtered);
    }

    @Test
    void aRunThatEndsFreesItsNodeForTheJobsThatWait() {
        // given a 16-core node taken by two 8-core jobs and ten more waiting
        List<Node> cluster = List.of(node("big", 16));
        for (int i = 0; i < 12; i++) {
            book.submit(job(100, 8));
        }
        List<Job> placed = round(cluster).placed();
        assertEquals(2, placed.size());
        assertEquals(0, round(cluster).judged(), "nothing changed");

        // when one run ends, then the waiting jobs are judged again and the oldest takes its place
        Job ended = placed.get(0);
        book.report("big", "big", new RunReport(ended.id(), ended.runId(), RunPhase.EXITED, 0, "exited"));
        PlacementLoop.Round after = round(cluster);
        assertEquals(10, after.judged());
        assertEquals(1, after.placed().size());
        assertEquals(book.pending().size(), 9);
    }

    @Test
    void aJobWaitingForAServerIsJudgedAgainWhenTheServerAnswers() {
        List<Node> cluster = List.of(node("big", 16));
        Job ask = book.submit(new JobSpec("ask", "process", Map.of("server", "llm"), new ResourceRequest(1, 1L << 30, 0,
                0), List.of(), 100, RestartPolicy.NONE, null, Map.of()));
        round(cluster);
        assertTrue(book.get(ask.id()).orElseThrow().message().contains("waiting for server 'llm'"));
        assertEquals(0, round(cluster).judged());

        // when the server runs and answers, then the waiting job is placed
        Job server = book.submit(new JobSpec("llm", "process", Map.of(), new ResourceRequest(1, 1L << 30, 0, 0),
                List.of(), 100, RestartPolicy.NONE, null, Map.of()));
        Job s = round(cluster).placed().get(0);
        assertEquals(server.id(), s.id());
        book.report("big", "big", new RunReport(s.id(), s.runId(), RunPhase.RUNNING, 0, "", Map.of(), "http://127.0.0.1:9", null));
        PlacementLoop.Round r = round(cluster);
        assertEquals(List.of(ask.id()), r.placed().stream().map(Job::id).toList());
        assertFalse(book.get(ask.id()).orElseThrow().state() == JobState.PENDING);
    }
}
