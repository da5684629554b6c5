package io.orchion.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.job.RunDispatcher;
import io.orchion.api.job.RunPhase;
import io.orchion.api.job.RunReport;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.scheduler.binpacking.internal.BinPackingStrategy;

/**
 * The scheduler's parts on one job book, without the framework: the job service ({@link SchedulerJobs})
 * and the placement thread's work ({@link PlacementThread}), its rounds called here one by one.
 */
class SchedulerJobsTest {
    final JobBook book = new JobBook(new MemoryJobStore(), java.time.InstantSource.system());
    final NodeRegistry registry = new Nodes().with("0a1b-n1", "gpu-box").registry;
    final StrategySelection selection = new StrategySelection();
    final List<String> sent = new ArrayList<>();
    final List<String> forgotten = new ArrayList<>();
    boolean connected = true;
    RuntimeException tooBig;

    final RunDispatcher dispatcher = new RunDispatcher() {
        @Override
        public boolean assign(Job job) {
            if (tooBig != null) {
                throw tooBig;
            }
            sent.add("assign " + job.runId());
            return connected;
        }

        @Override
        public boolean stop(Job job, Duration grace) {
            sent.add("stop " + job.runId() + " on " + job.nodeId());
            return connected;
        }
    };
    final PlacementThread placement = new PlacementThread(book, registry, selection, () -> dispatcher, () -> null,
            forgotten::add);
    final SchedulerJobs jobs = new SchedulerJobs(book, registry, () -> dispatcher, placement);

    @BeforeEach
    void rounds() {
        selection.installed("gpu-aware", new BinPackingStrategy());
        placement.stop(); // no thread: this test runs the rounds itself
    }

    @AfterEach
    void stop() {
        placement.stop();
    }

    static JobSpec spec(String name, String runtime) {
        return new JobSpec(name, runtime, Map.of("command", List.of("true")), new ResourceRequest(1, 1L << 30, 0, 0),
                List.of(), 0, RestartPolicy.NONE, null, Map.of());
    }

    Job state(Job j) {
        return jobs.job(j.id()).orElseThrow();
    }

    @Test
    void aRoundPlacesAndSendsAndAPlacementThatCannotBeSentIsUndoneOrFailed() {
        // given a submitted job, and a round
        Job j = jobs.submit(spec("train", "process"));
        placement.round();
        // then it was placed on the node and sent to it
        assertEquals(JobState.SCHEDULED, state(j).state());
        assertEquals(List.of("assign " + j.id() + "-r1"), sent);

        // when the agent is not connected, then the placement is given back
        connected = false;
        Job k = jobs.submit(spec("eval", "process"));
        placement.round();
        assertEquals(JobState.PENDING, state(k).state());
        assertEquals("the agent of gpu-box is not connected", state(k).message());

        // when the run can never be sent as it is, then the job fails saying why
        tooBig = new InvalidArgumentException("assign", "more than an agent's stream carries");
        placement.round();
        assertEquals(JobState.FAILED, state(k).state());
        assertEquals("cannot be sent to gpu-box: assign: more than an agent's stream carries", state(k).message());
    }

    @Test
    void aRuntimeNoNodeOffersIsRefusedByName() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> jobs.submit(spec("x", "quantum")));
        assertEquals("runtime: no node offers the 'quantum' runtime (offered: process)", e.getMessage());
        assertTrue(book.list().isEmpty(), "nothing stored");
    }

    @Test
    void cancellingARunStopsItAndANodeThatCannotBeReachedSettlesIt() {
        // given two running jobs
        Job a = jobs.submit(spec("a", "process"));
        Job b = jobs.submit(spec("b", "process"));
        placement.round();
        for (Job j : List.of(a, b)) {
            jobs.report("0a1b-n1", new RunReport(j.id(), state(j).runId(), RunPhase.RUNNING, 0, ""));
        }

        // when a is cancelled, then its run is asked to stop and the exit settles it
        assertEquals(JobState.RUNNING, jobs.cancel(a.id()).state());
        assertTrue(sent.contains("stop " + a.id() + "-r1 on 0a1b-n1"), sent.toString());
        jobs.report("0a1b-n1", new RunReport(a.id(), a.id() + "-r1", RunPhase.EXITED, -1, "stopped"));
        assertEquals(JobState.CANCELLED, state(a).state());

        // when b is cancelled while its agent is unreachable, then it is settled at once
        connected = false;
        assertEquals(JobState.CANCELLED, jobs.cancel(b.id()).state());
        assertEquals("cancelled; its node is not connected", state(b).message());
    }

    @Test
    void aStaleCopyIsStoppedAndALostNodeLosesItsJobs() {
        Job j = jobs.submit(spec("serve", "process"));
        placement.round();

        // when another node reports running the same run, then that copy is told to stop
        jobs.report("0a1b-n2", new RunReport(j.id(), j.id() + "-r1", RunPhase.RUNNING, 0, ""));
        assertEquals("stop " + j.id() + "-r1 on 0a1b-n2", sent.get(sent.size() - 1));
        assertEquals(JobState.SCHEDULED, state(j).state(), "the real run is untouched");

        // when its node is gone, then the job is LOST (no retries left)
        placement.lost("0a1b-n1", "gpu-box is DOWN");
        assertEquals(JobState.LOST, state(j).state());
        assertEquals("node gpu-box is DOWN", state(j).message());
    }

    @Test
    void retentionForgetsEndedJobsAndSaysWhich() {
        Job j = jobs.submit(spec("once", "process"));
        jobs.cancel(j.id());

        placement.retention(Duration.ofDays(1), 0);
        placement.compact();

        assertEquals(List.of(j.id()), forgotten);
        assertTrue(jobs.job(j.id()).isEmpty());
    }
}
