package io.orchion.runtime.support;

import java.util.OptionalDouble;

/**
 * Turns a cumulative CPU time (a process tree's, a container's) into the cores used since the
 * previous sample. The first sample has nothing to compare with: it is empty, and the caller says
 * what it means (0, or an average since the start). Thread-safe.
 */
public final class CpuMeter {
    private long lastCpuNanos = -1;
    private long lastWallNanos;

    /**
     * The cores used between the previous sample and this one, never negative (a tree that lost a
     * process loses its CPU time); empty for the first sample or when no wall time has passed.
     *
     * @param cpuNanos  the CPU time used so far, in nanoseconds
     * @param wallNanos a monotonic clock reading ({@link System#nanoTime()})
     */
    public synchronized OptionalDouble cores(long cpuNanos, long wallNanos) {
        OptionalDouble cores = lastCpuNanos < 0 || wallNanos <= lastWallNanos ? OptionalDouble.empty()
                : OptionalDouble.of(Math.max(0, (double) (cpuNanos - lastCpuNanos) / (wallNanos - lastWallNanos)));
        lastCpuNanos = cpuNanos;
        lastWallNanos = wallNanos;
        return cores;
    }
}
