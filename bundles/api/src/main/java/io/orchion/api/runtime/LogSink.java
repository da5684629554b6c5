package io.orchion.api.runtime;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where a run's output and progress go. The agent provides it; a runtime calls it from any thread.
 * Lines arrive in order per stream. A call may block briefly when the orchestrator cannot keep up
 * (backpressure), so a runtime calls it from its output-pumping thread, never from a timer.
 */
@ConsumerType
public interface LogSink {
    /** @param stream stdout or stderr */
    void line(String stream, String text);

    /**
     * Progress of a long step before or during the run (an image or model pull).
     *
     * @param activity what is in progress, e.g. "pull busybox:latest"
     * @param done     units done (bytes where known)
     * @param total    units in all; 0 when unknown
     */
    default void progress(String activity, long done, long total) {
    }

    /** A status message for operators (e.g. "pulling image", "unhealthy: /health timed out"). */
    default void status(String message) {
    }
}
