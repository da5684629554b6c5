package io.orchion.api.job;

import java.time.Instant;

/** One step of a job's history: the state it entered, when, and why. */
public record JobEvent(Instant at, JobState state, String message) {
}
