package io.orchion.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.orchion.api.LimitExceededException;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.JobStore;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.job.RunPhase;
import io.orchion.api.job.RunReport;
import io.orchion.api.scheduler.Placement;
import io.orchion.api.scheduler.ResourceRequest;

/** The job rules with a manual clock and an in-memory store that records what was written. */
class JobBookTest {
    Instant now = Instant.parse("2026-11-29T00:00:00Z");
    final InstantSource clock = () -> now;
    final Map<String, Job> stored = new LinkedHashMap<>();
    final List<Job> announced = new ArrayList<>();
    final JobStore store = new JobStore() {
        @Override
        public void save(Job job) {
            stored.put(job.id(), job);
        }

        @Override
        public void saveAll(Collection<Job> jobs) {
            jobs.forEach(this::save);
        }

        @Override
        public Collection<Job> loadJobs() {
            return List.copyOf(stored.values());
        }

        @Override
        public void deleteJobs(Collection<String> ids) {
            ids.forEach(stored::remove);
        }
    };
    final JobBook book = new JobBook(store, clock, announced::add);

    static JobSpec spec(String name, Map<String, Object> settings) {
        return new JobSpec(name, "vllm", settings, new ResourceRequest(0.1, 0, 0, 0), List.of(), 100, RestartPolicy.NONE,
                null, Map.of());
    }

    Job place(Job j, String node) {
        return book.placedAll(List.of(new PlacementRound.Decision(j.id(), new Placement(node, List.of()))), n -> n,
                "test").get(0);
    }

    @Test
    void resultsEndpointsAndProgressReachTheJobAndEveryChangeIsAnnounced() {
        Job j = place(book.submit(spec("server", Map.of("model", "m"))), "n1");
        book.report("n1", "n1", new RunReport(j.id(), j.runId(), RunPhase.PROGRESS, 0, "", Map.of(), "",
                new Job.Progress("pull m", 5, 10, now)));
        assertEquals(5, book.get(j.id()).orElseThrow().progress().done());
        assertEquals(null, stored.get(j.id()).progress(), "progress is transient: not written");
        book.report("n1", "n1", new RunReport(j.id(), j.runId(), RunPhase.RUNNING, 0, "", Map.of(), "http://127.0.0.1:8000", null));
        Job running = book.get(j.id()).orElseThrow();
        assertEquals(JobState.RUNNING, running.state());
        assertEquals("http://127.0.0.1:8000", stored.get(j.id()).endpoint());
        book.report("n1", "n1", new RunReport(j.id(), j.runId(), RunPhase.EXITED, 0, "exited", Map.of("eval_count", 12), "", null));
        Job done = book.get(j.id()).orElseThrow();
        assertEquals(JobState.SUCCEEDED, done.state());
        assertEquals(12, stored.get(j.id()).result().get("eval_count"));
        assertEquals("", done.endpoint(), "a finished server has no endpoint");
        assertEquals(List.of(JobState.PENDING, JobState.SCHEDULED, JobState.SCHEDULED, JobState.RUNNING, JobState.SUCCEEDED),
                announced.stream().map(Job::state).toList());
    }

    @Test
    void aCompletionJobWaitsForItsServerThenGetsItsEndpoint() {
        Job complete = book.submit(spec("ask", Map.of("mode", "complete", "server", "server", "prompt", "hi")));
        List<String> why = new ArrayList<>();
        assertTrue(ServerReference.ready(book.pending(), book.list(), (id, w) -> why.add(w)).isEmpty());
        assertTrue(why.get(0).contains("waiting for server 'server'"), why.toString());
        Job server = place(book.submit(spec("server", Map.of("model", "m"))), "n1");
        book.report("n1", "n1", new RunReport(server.id(), server.runId(), RunPhase.RUNNING, 0, "", Map.of(), "http://h:1", null));
        assertEquals(1, ServerReference.ready(book.pending(), book.list(), (id, w) -> { }).stream()
                .filter(p -> p.jobId().equals(complete.id())).count());
        Job sent = ServerReference.resolve(complete, book.list());
        assertEquals("http://h:1", sent.spec().runtimeSettings().get("endpoint"));
        assertFalse(stored.get(complete.id()).spec().runtimeSettings().containsKey("endpoint"), "the stored spec is as written");
    }

    @Test
    void aRunReportedFromAnotherNodeOrAnOldRunIsStale() {
        Job j = place(book.submit(spec("s", Map.of("model", "m"))), "n2");
        assertFalse(book.stale("n2", new RunReport(j.id(), j.runId(), RunPhase.RUNNING, 0, "")));
        assertTrue(book.stale("n1", new RunReport(j.id(), j.runId(), RunPhase.RUNNING, 0, "")), "another node's copy");
        assertTrue(book.stale("n2", new RunReport(j.id(), j.id() + "-r0", RunPhase.RUNNING, 0, "")), "an older run");
        assertTrue(book.stale("n2", new RunReport("gone-123", "r", RunPhase.RUNNING, 0, "")), "a job that is not known");
        assertFalse(book.stale("n1", new RunReport(j.id(), "x", RunPhase.EXITED, 0, "exited")), "an exit is not a copy to stop");
    }

    @Test
    void retentionForgetsFinishedJobsByAgeAndCountButNeverLiveOnes() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Job j = book.submit(spec("j" + i, Map.of("model", "m")));
            ids.add(j.id());
            now = now.plusSeconds(60);
            book.cancel(j.id());
        }
        Job live = book.submit(spec("live", Map.of("model", "m")));
        // keep at most 3 finished: the two that ended first go
        assertEquals(List.of(ids.get(1), ids.get(0)), book.compact(Duration.ofDays(7), 3));
        assertFalse(stored.containsKey(ids.get(0)));
        // 100 s later, with a 130 s age limit: j2 and j3 (ended 220 s and 160 s before) go, j4 (100 s) stays
        now = now.plusSeconds(100);
        List<String> aged = book.compact(Duration.ofSeconds(130), 100);
        assertEquals(List.of(ids.get(3), ids.get(2)), aged);
        assertTrue(book.get(live.id()).isPresent(), "a pending job is never compacted");
        assertTrue(book.get(ids.get(4)).isPresent());
    }

    @Test
    void aRunTheAgentDoesNotReannounceAfterItConnectsIsLost() {
        Job kept = place(book.submit(spec("kept", Map.of("model", "m"))), "n1");
        Job gone = place(book.submit(spec("gone", Map.of("model", "m"))), "n1");
        Job elsewhere = place(book.submit(spec("elsewhere", Map.of("model", "m"))), "n2");
        now = now.plusSeconds(30);
        Instant connected = now;
        // the agent of n1 comes back and re-announces only one of its two runs
        book.report("n1", "n1", new RunReport(kept.id(), kept.runId(), RunPhase.RUNNING, 0, ""));
        now = now.plusSeconds(10);
        List<Job> lost = book.reconcile("n1", "n1", connected);
        assertEquals(List.of(gone.id()), lost.stream().map(Job::id).toList());
        assertEquals(JobState.LOST, stored.get(gone.id()).state());
        assertEquals(JobState.RUNNING, book.get(kept.id()).orElseThrow().state());
        assertEquals(JobState.SCHEDULED, book.get(elsewhere.id()).orElseThrow().state(), "another node's run is not touched");
    }

    static JobSpec big(String name, int chars) {
        return new JobSpec(name, "process", Map.of("command", List.of("echo", "x".repeat(chars))),
                new ResourceRequest(0.1, 0, 0, 0), List.of(), 100, RestartPolicy.NONE, null, Map.of("team", "a"));
    }

    @Test
    void anEndedJobKeepsOnlyASummaryInMemoryAndItsSpecIsReadFromTheStore() {
        // given a job whose spec carries 100,000 characters of settings, and a book over a counting store
        MemoryJobStore disk = new MemoryJobStore();
        JobBook b = new JobBook(disk, clock);
        Job j = b.submit(big("big", 100_000));
        Job placed = b.placedAll(List.of(new PlacementRound.Decision(j.id(), new Placement("n1", List.of()))), n -> n,
                "test").get(0);
        assertTrue(j.spec().runtimeSettings() == b.list().get(0).spec().runtimeSettings(), "a running job keeps it");

        // when its run ends
        b.report("n1", "n1", new RunReport(j.id(), placed.runId(), RunPhase.EXITED, 0, "exited"));

        // then what the book holds for it has no settings, but the rest of the spec
        List<Job> listed = b.list();
        assertEquals(1, listed.size());
        Job held = listed.get(0);
        assertEquals(JobState.SUCCEEDED, held.state());
        assertTrue(held.spec().runtimeSettings() == JobBook.LEFT_OUT, "the settings are not held");
        assertEquals(Map.of("team", "a"), held.spec().labels());
        assertTrue(SpecSize.of(held.spec()) < 1_000, "the summary is small: " + SpecSize.of(held.spec()));
        // and showing the job reads the whole spec from the store
        int reads = disk.reads;
        Job shown = b.get(j.id()).orElseThrow();
        assertEquals(reads + 1, disk.reads);
        assertEquals(j.spec().runtimeSettings(), shown.spec().runtimeSettings());
        assertEquals(JobState.SUCCEEDED, shown.state());
        // and the store still has it whole
        assertEquals(j.spec(), disk.stored.get(j.id()).spec());

        // when the orchestrator starts again on that store, then it too holds the summary only
        JobBook restarted = new JobBook(disk, clock);
        assertSame(JobBook.LEFT_OUT, restarted.list().get(0).spec().runtimeSettings());
        assertEquals(j.spec(), restarted.get(j.id()).orElseThrow().spec());
    }

    @Test
    void theLiveJobsAreBoundedInNumberAndSpecBytesAndTheRefusalNamesTheLimit() {
        // given room for three live jobs and 250,000 bytes of their specs
        MemoryJobStore disk = new MemoryJobStore();
        JobBook b = new JobBook(disk, clock);
        b.limits(3, 250_000);
        Job first = b.submit(spec("a", Map.of("model", "m")));
        Job second = b.submit(spec("b", Map.of("model", "m")));
        b.submit(spec("c", Map.of("model", "m")));

        // when a fourth arrives, then it is refused naming the limit, and nothing is stored
        LimitExceededException e = assertThrows(LimitExceededException.class, () -> b.submit(spec("d", Map.of())));
        assertEquals("jobs.live.max", e.limit());
        assertEquals(3, e.value());
        assertTrue(e.getMessage().startsWith("jobs.live.max (3): 3 jobs are pending or running"), e.getMessage());
        assertEquals(3, disk.stored.size());
        assertEquals(3, b.list().size());

        // when one ends, then there is room again; ended jobs do not count
        b.cancel(first.id());
        Job fourth = b.submit(spec("d", Map.of("model", "m")));
        assertEquals(JobState.PENDING, fourth.state());
        b.cancel(fourth.id());
        b.cancel(second.id());

        // when a spec would take the live specs past their byte bound, then it is refused naming that bound
        b.submit(big("big", 200_000));
        LimitExceededException bytes = assertThrows(LimitExceededException.class, () -> b.submit(big("more", 60_000)));
        assertEquals("jobs.live.spec.bytes.max", bytes.limit());
        assertTrue(bytes.getMessage().contains("250000"), bytes.getMessage());
        assertEquals(5, disk.stored.size(), "the refused spec is not stored");
    }

    @Test
    void aLostJobWithNoRetryLeftHasEndedAndIsForgottenByRetention() {
        Job j = place(book.submit(spec("lost", Map.of("model", "m"))), "n1");
        book.nodeLost("n1", "n1 is DOWN");
        assertEquals(JobState.LOST, book.get(j.id()).orElseThrow().state());
        assertSame(JobBook.LEFT_OUT, book.list().get(0).spec().runtimeSettings());
        now = now.plusSeconds(60);
        assertEquals(List.of(j.id()), book.compact(Duration.ofSeconds(30), 100));
    }

    @Test
    void aJobCancelledWhileTheRoundRunsIsNotPlaced() {
        // given a round that judged a pending job
        Job j = book.submit(spec("late", Map.of("model", "m")));
        List<PlacementRound.Pending> judged = book.judge(true);
        assertEquals(List.of(j.id()), judged.stream().map(PlacementRound.Pending::jobId).toList());
        // when the job is cancelled before the round stores its decision
        book.cancel(j.id());
        List<Job> placed = book.placedAll(List.of(new PlacementRound.Decision(j.id(), new Placement("n1", List.of()))),
                n -> n, "test");
        // then nothing is placed and the job stays cancelled
        assertTrue(placed.isEmpty());
        assertEquals(JobState.CANCELLED, stored.get(j.id()).state());
        assertEquals(JobState.CANCELLED, book.get(j.id()).orElseThrow().state());
    }
}
