package io.orchion.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobPage;
import io.orchion.api.job.JobQuery;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.node.Capabilities;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.scheduler.Placement;
import io.orchion.api.scheduler.ResourceRequest;

/**
 * The job list as every front end asks for it ({@link JobQuery}): filters, pages that hold still
 * while jobs arrive, and bad parameters refused by name.
 */
class JobQueryTest {
    Instant now = Instant.parse("2026-12-01T00:00:00Z");
    final InstantSource clock = () -> now;
    final MemoryJobStore store = new MemoryJobStore();
    final JobBook book = new JobBook(store, clock);
    final List<Node> nodes = List.of(node("0a1b-n1", "gpu-box"), node("0a1b-n2", "cpu-box"));

    static Node node(String id, String name) {
        return new Node(id, name, name, "", "", Capabilities.unknown(), NodeStatus.READY, false, Instant.EPOCH,
                Instant.EPOCH, null);
    }

    Job submit(String name, Map<String, String> labels) {
        now = now.plusSeconds(1); // newest first is by submission time
        return book.submit(new JobSpec(name, "process", Map.of("command", List.of("true")),
                new ResourceRequest(0.1, 0, 0, 0), List.of(), 0, RestartPolicy.NONE, null, labels));
    }

    Job place(Job j, String nodeId) {
        return book.placedAll(List.of(new PlacementRound.Decision(j.id(), new Placement(nodeId, List.of()))), n -> n,
                "test").get(0);
    }

    /** As the job service answers: a node's name resolved to its id first. */
    JobPage list(String state, String node, List<String> labels, int limit, String token) {
        JobQuery q = JobQuery.of(state, node, labels, limit, token);
        return book.query(q, q.node().isEmpty() ? "" : SchedulerJobs.nodeId(nodes, q.node()));
    }

    static List<String> names(JobPage page) {
        return page.jobs().stream().map(j -> j.spec().name()).toList();
    }

    @Test
    void filtersByStateNodeAndLabelsTogether() {
        // given jobs pending, placed on either node, and cancelled, with team labels
        Job a = submit("a", Map.of("team", "red"));
        place(submit("b", Map.of("team", "red", "tier", "gold")), "0a1b-n1");
        place(submit("c", Map.of("team", "blue")), "0a1b-n2");
        book.cancel(submit("d", Map.of("team", "red")).id());

        // then each filter narrows the list, newest first, and total counts the matches
        assertEquals(List.of("d", "c", "b", "a"), names(list(null, null, null, 0, null)));
        assertEquals(List.of("a"), names(list("pending", "", List.of(), 0, "")), "any case");
        assertEquals(List.of("d"), names(list(" CANCELLED ", "", List.of(), 0, "")));
        assertEquals(List.of("b"), names(list("", "gpu-box", List.of(), 0, "")), "by the node's name");
        assertEquals(List.of("c"), names(list("", "0a1b-n2", List.of(), 0, "")), "by the node's id");
        assertEquals(List.of("d", "b", "a"), names(list("", "", List.of("team=red"), 0, "")));
        assertEquals(List.of("b"), names(list("", "", List.of("team=red", "tier=gold"), 0, "")), "every label");
        assertEquals(List.of("b"), names(list("scheduled", "gpu-box", List.of("team=red"), 0, "")));
        assertEquals(0, list("running", "", List.of(), 0, "").total());
        assertEquals(0, list("", "no-such-node", List.of(), 0, "").total(), "an unknown node matches nothing");
        assertEquals(a.id(), list("pending", "", List.of(), 0, "").jobs().get(0).id());
    }

    @Test
    void pagesHoldStillWhileJobsArrive() {
        // given five jobs
        for (String n : List.of("a", "b", "c", "d", "e")) {
            submit(n, Map.of());
        }
        // when they are listed two at a time, with a job submitted between the first two pages
        JobPage first = list("", "", List.of(), 2, "");
        submit("late", Map.of());
        JobPage second = list("", "", List.of(), 2, first.nextPageToken());
        JobPage third = list("", "", List.of(), 2, second.nextPageToken());

        // then the pages follow on from each other, and the last one says so
        assertEquals(List.of("e", "d"), names(first));
        assertEquals(5, first.total());
        assertEquals(List.of("c", "b"), names(second), "the late job shifts nothing");
        assertEquals(List.of("a"), names(third));
        assertEquals("", third.nextPageToken(), "no page after the last");
        assertEquals(6, third.total(), "total counts every match, the late job too");
        assertFalse(first.nextPageToken().isEmpty());
        assertEquals(6, list("", "", List.of(), 0, "").jobs().size(), "limit 0: every job on one page");
    }

    @Test
    void aPageGoesOnAfterItsLastJobEvenWhenThatJobNoLongerMatches() {
        // given three pending jobs listed one at a time
        Job a = submit("a", Map.of());
        Job b = submit("b", Map.of());
        submit("c", Map.of());
        JobPage first = list("pending", "", List.of(), 1, "");
        JobPage second = list("pending", "", List.of(), 1, first.nextPageToken());
        assertEquals(List.of("b"), names(second));

        // when the last listed job stops pending, then the next page still starts after it
        place(b, "0a1b-n1");
        JobPage third = list("pending", "", List.of(), 1, second.nextPageToken());
        assertEquals(List.of(a.id()), third.jobs().stream().map(Job::id).toList());
    }

    @Test
    void badParametersAreRefusedByName() {
        submit("kept", Map.of());
        Job gone = submit("gone", Map.of());
        String pointsAtGone = list("", "", List.of(), 1, "").nextPageToken(); // names the newest job: gone

        List<String> fields = new ArrayList<>();
        for (Runnable bad : List.<Runnable>of(
                () -> list("sleepy", "", List.of(), 0, ""),
                () -> list("", "bad\u0007name", List.of(), 0, ""),
                () -> list("", "", List.of("team"), 0, ""),
                () -> list("", "", List.of("=red"), 0, ""),
                () -> list("", "", List.of("team=red", "team=blue"), 0, ""),
                () -> list("", "", List.of(), -1, ""),
                () -> list("", "", List.of(), JobQuery.MAX_LIMIT + 1, ""),
                () -> list("", "", List.of(), 1, "!!!"))) {
            fields.add(assertThrows(InvalidArgumentException.class, bad::run).field());
        }
        assertEquals(List.of("state", "node", "label", "label", "label", "limit", "limit", "pageToken"), fields);
        InvalidArgumentException state = assertThrows(InvalidArgumentException.class,
                () -> list("sleepy", "", List.of(), 0, ""));
        assertTrue(state.getMessage().startsWith("state: 'sleepy' is not a job state (one of [PENDING,"),
                state.getMessage());

        // a token whose job retention has since forgotten
        book.cancel(gone.id());
        now = now.plus(Duration.ofDays(1));
        assertEquals(List.of(gone.id()), book.compact(Duration.ofHours(1), 100));
        InvalidArgumentException forgotten = assertThrows(InvalidArgumentException.class,
                () -> list("", "", List.of(), 1, pointsAtGone));
        assertEquals("pageToken: the job it points at no longer exists; list again without it", forgotten.getMessage());
    }
}
