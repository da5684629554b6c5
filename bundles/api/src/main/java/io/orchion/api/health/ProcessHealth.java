package io.orchion.api.health;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Watches the process this service runs in. {@link #now()} is cheap (it reads what the JVM
 * recorded at its last garbage collection; it never collects) and may be called on every health
 * request, from any thread.
 */
@ProviderType
public interface ProcessHealth {
    /** The health now, with the reasons when it is not {@link HealthReport.State#UP}. */
    HealthReport now();

    /**
     * Tells the watch that a front end caught an {@link OutOfMemoryError} (the JVM announces none):
     * the process is {@link HealthReport.State#DOWN} for a while after it.
     *
     * @param where what was running, e.g. "POST /api/jobs"
     */
    void outOfMemory(String where);
}
