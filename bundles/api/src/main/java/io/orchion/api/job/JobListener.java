package io.orchion.api.job;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told of every job change (submitted, placed, running, progress, ended), after
 * the change is stored. Called on the scheduler's threads, in order per job; implementations
 * return quickly and never throw.
 */
@ConsumerType
public interface JobListener {
    void jobChanged(Job job);

    /** A finished job was forgotten by the retention rule: drop what is kept for it. */
    default void jobRemoved(String jobId) {
    }
}
