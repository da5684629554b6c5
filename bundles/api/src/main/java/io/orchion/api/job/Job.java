package io.orchion.api.job;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A submitted job and where it stands. Immutable: each change makes a new value with one more event.
 *
 * @param id         assigned at submission
 * @param spec       what was asked for
 * @param state      where it stands
 * @param nodeId     the node of the current or last run; empty while pending
 * @param gpuIndices the GPUs reserved for the current run
 * @param runId      the current or last run; a retry gets a new one
 * @param attempt    runs started so far
 * @param exitCode   the last run's exit code; null if none ended
 * @param message    why it is pending, or how it ended
 * @param submitted  when it was accepted
 * @param events     every state it went through, oldest first
 */
public record Job(String id, JobSpec spec, JobState state, String nodeId, List<Integer> gpuIndices, String runId,
        int attempt, Integer exitCode, String message, Instant submitted, List<JobEvent> events) {

    public Job {
        gpuIndices = List.copyOf(gpuIndices);
        events = List.copyOf(events);
    }

    /** This job in {@code next} state, with the event recorded. */
    public Job to(JobState next, String why, Instant at) {
        List<JobEvent> more = new ArrayList<>(events);
        more.add(new JobEvent(at, next, why));
        return new Job(id, spec, next, nodeId, gpuIndices, runId, attempt, exitCode, why, submitted, more);
    }

    public Job placed(String node, List<Integer> gpus, String run) {
        return new Job(id, spec, state, node, gpus, run, attempt + 1, exitCode, message, submitted, events);
    }

    public Job exited(Integer code) {
        return new Job(id, spec, state, nodeId, gpuIndices, runId, attempt, code, message, submitted, events);
    }

    /** Still holding resources on its node. */
    public boolean holdsResources() {
        return state == JobState.SCHEDULED || state == JobState.RUNNING;
    }
}
