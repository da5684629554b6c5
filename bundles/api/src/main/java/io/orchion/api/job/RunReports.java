package io.orchion.api.job;

import org.osgi.annotation.versioning.ProviderType;

/** Where the control bundle hands agents' run reports (the scheduler provides it). */
@ProviderType
public interface RunReports {
    void report(String nodeId, RunReport report);

    /**
     * An agent opened a new stream (it restarted, or came back after a cut, or the orchestrator
     * restarted). It re-announces the runs it has at once; a run the orchestrator placed there that
     * it does not announce within a grace period is gone, and is settled as LOST.
     */
    default void connected(String nodeId) {
    }
}
