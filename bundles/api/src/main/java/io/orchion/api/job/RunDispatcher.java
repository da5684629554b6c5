package io.orchion.api.job;

import java.time.Duration;

import org.osgi.annotation.versioning.ProviderType;

/** Sends runs to agents over their streams (the control bundle provides it). */
@ProviderType
public interface RunDispatcher {

    /**
     * Sends the job's current run to its node; false if that node's agent is not connected.
     *
     * @throws io.orchion.api.InvalidArgumentException if the run cannot be sent as it is (more than
     *         an agent's stream carries): the caller fails the job with the message, which says why
     */
    boolean assign(Job job);

    /** Asks the node to stop the job's current run; false if the agent is not connected. */
    boolean stop(Job job, Duration grace);
}
