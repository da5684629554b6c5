package io.orchion.api.job;

import java.util.Map;

/**
 * What an agent says about a run.
 *
 * @param jobId    the job
 * @param runId    the run (reports of an older run are ignored)
 * @param phase    what happened to the run
 * @param exitCode for EXITED
 * @param message  exit reason (exited, stopped, timeout), the start error, or a status message
 * @param result   for EXITED: what the run produced (may be empty)
 * @param endpoint for RUNNING: where a server run answers (may be empty)
 * @param progress for PROGRESS; null otherwise
 */
public record RunReport(String jobId, String runId, RunPhase phase, int exitCode, String message,
        Map<String, Object> result, String endpoint, Job.Progress progress) {

    public RunReport {
        java.util.Objects.requireNonNull(phase, "phase");
        result = result == null ? Map.of() : Map.copyOf(result);
        endpoint = endpoint == null ? "" : endpoint;
    }

    public RunReport(String jobId, String runId, RunPhase phase, int exitCode, String message) {
        this(jobId, runId, phase, exitCode, message, Map.of(), "", null);
    }
}
