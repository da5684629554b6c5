package io.orchion.api.job;

import java.time.Duration;

/**
 * What happens when a run fails or is lost.
 *
 * @param attempts how many times to run it again (0: never)
 * @param backoff  the wait before the first retry, doubling after each
 */
public record RestartPolicy(int attempts, Duration backoff) {
    public static final RestartPolicy NONE = new RestartPolicy(0, Duration.ofSeconds(1));
}
