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

    Fingerprint fingerprint();

    /**
     * Starts a run and returns at once.
     *
     * @throws InvalidArgumentException naming the setting when the run cannot start (e.g. the
     *                                  command does not exist)
     */
    RunHandle start(RunRequest request, LogSink logs);

    /** Finds a run started before an agent restart (from its state folder); empty if it is gone. */
    Optional<RunHandle> recover(RunRequest request);
}
