package io.orchion.api.log;

import java.time.Instant;

/**
 * One line of a job's output, as the orchestrator stored it.
 *
 * @param seq    position in the job's log: 1, 2, 3, ... over all its runs, never reused
 * @param at     when the agent read it
 * @param runId  the run that wrote it
 * @param stream stdout, stderr, or orchion (lines the platform adds: pull progress, restarts)
 * @param text   the line, without its newline
 */
public record LogLine(long seq, Instant at, String runId, String stream, String text) {
}
