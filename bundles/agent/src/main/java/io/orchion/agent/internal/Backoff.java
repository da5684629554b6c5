package io.orchion.agent.internal;

import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of
 * min(max, initial * 2^(n-1)), so a fleet of agents redialling a restarted orchestrator spreads out
 * instead of arriving together.
 */
record Backoff(long initialMillis, long maxMillis, DoubleSupplier random) {

    long delayMillis(int attempt) {
        int shift = Math.min(Math.max(attempt - 1, 0), 30);
        long ceiling = Math.min(maxMillis, initialMillis << shift);
        if (ceiling <= 0) {
            ceiling = maxMillis;
        }
        long half = ceiling / 2;
        return half + (long) (random.getAsDouble() * (ceiling - half));
    }
}
