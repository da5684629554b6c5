package io.orchion.api.job;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
 * @param result     what the last run produced (e.g. an Ollama response and token counts); empty if nothing
 * @param endpoint   where a model server run answers while it runs; empty otherwise
 * @param progress   the latest progress of a long step (an image or model pull); null if none
 */
public record Job(String id, JobSpec spec, JobState state, String nodeId, List<Integer> gpuIndices, String runId,
        int attempt, Integer exitCode, String message, Instant submitted, List<JobEvent> events,
        Map<String, Object> result, String endpoint, Progress progress) {

    public Job {
        gpuIndices = List.copyOf(gpuIndices);
        events = List.copyOf(events);
        result = result == null ? Map.of() : Map.copyOf(result);
        endpoint = endpoint == null ? "" : endpoint;
    }

    public Job(String id, JobSpec spec, JobState state, String nodeId, List<Integer> gpuIndices, String runId,
            int attempt, Integer exitCode, String message, Instant submitted, List<JobEvent> events) {
        this(id, spec, state, nodeId, gpuIndices, runId, attempt, exitCode, message, submitted, events, Map.of(), "",
                null);
    }

    /** This job in {@code next} state, with the event recorded. */
    public Job to(JobState next, String why, Instant at) {
        List<JobEvent> more = new ArrayList<>(events);
        more.add(new JobEvent(at, next, why));
        return new Job(id, spec, next, nodeId, gpuIndices, runId, attempt, exitCode, why, submitted, more, result,
                next == JobState.RUNNING ? endpoint : "", next == JobState.RUNNING || next == JobState.SCHEDULED ? progress : null);
    }

    /** Placed on a node for a new run: what the previous run produced is cleared. */
    public Job placed(String node, List<Integer> gpus, String run) {
        return new Job(id, spec, state, node, gpus, run, attempt + 1, exitCode, message, submitted, events, Map.of(), "",
                null);
    }

    public Job exited(Integer code) {
        return new Job(id, spec, state, nodeId, gpuIndices, runId, attempt, code, message, submitted, events, result,
                endpoint, progress);
    }

    public Job withResult(Map<String, Object> r) {
        return new Job(id, spec, state, nodeId, gpuIndices, runId, attempt, exitCode, message, submitted, events, r,
                endpoint, progress);
    }

    public Job withEndpoint(String e) {
        return new Job(id, spec, state, nodeId, gpuIndices, runId, attempt, exitCode, message, submitted, events, result,
                e, progress);
    }

    public Job withProgress(Progress p) {
        return new Job(id, spec, state, nodeId, gpuIndices, runId, attempt, exitCode, message, submitted, events, result,
                endpoint, p);
    }

    /** A status message that changes no state (e.g. "pulling image", "unhealthy"). */
    public Job withMessage(String m) {
        return new Job(id, spec, state, nodeId, gpuIndices, runId, attempt, exitCode, m, submitted, events, result,
                endpoint, progress);
    }

    /** Still holding resources on its node. */
    public boolean holdsResources() {
        return state == JobState.SCHEDULED || state == JobState.RUNNING;
    }

    /**
     * Progress of a long step of a run (an image or model pull).
     *
     * @param activity what is in progress
     * @param done     units done (bytes where known)
     * @param total    units in all; 0 when unknown
     * @param at       when the agent reported it
     */
    public record Progress(String activity, long done, long total, Instant at) {
    }
}
