package io.orchion.api.runtime;

import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

import io.orchion.api.InvalidArgumentException;

/**
 * Extension point: runs jobs of one kind (process, docker, ollama, vllm, ...). Registered as a
 * whiteboard service with {@link #NAME} set, e.g. {@code orchion.runtime=process}.
 */
@ConsumerType
public interface ExecutionRuntime {
    /** Service property: the runtime's name, as job specs write it. */
    String NAME = "orchion.runtime";

    /**
     * Whether this runtime can run jobs here now. The agent calls it at start and then
     * periodically (every {@code fingerprint.interval.ms}), so it must be quick (a few seconds at
     * most) and must not throw; it advertises only healthy runtimes and tells the orchestrator
     * when the answer changes.
     */
    Fingerprint fingerprint();

    /**
     * Starts a run and returns at once.
     *
     * @throws InvalidArgumentException naming the setting when the run cannot start (e.g. the
     *                                  command does not exist)
     */
    RunHandle start(RunRequest request, LogSink logs);

    /**
     * Finds a run started before an agent restart (a container by its run-id label, a process by
     * the pid file in its state folder); empty if it is gone. Output produced from now on goes to
     * {@code logs}.
     */
    Optional<RunHandle> recover(RunRequest request, LogSink logs);
}
