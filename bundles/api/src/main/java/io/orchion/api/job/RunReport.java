package io.orchion.api.job;

/**
 * What an agent says about a run.
 *
 * @param jobId    the job
 * @param runId    the run (reports of an older run are ignored)
 * @param phase    ACCEPTED, RUNNING, EXITED or FAILED_TO_START
 * @param exitCode for EXITED
 * @param message  exit reason (exited, stopped, timeout) or the start error
 */
public record RunReport(String jobId, String runId, String phase, int exitCode, String message) {
}
