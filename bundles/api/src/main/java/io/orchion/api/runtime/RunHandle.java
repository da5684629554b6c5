package io.orchion.api.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ConsumerType;

/** A run in progress, as a runtime returns it. */
@ConsumerType
public interface RunHandle {

    String runId();

    /**
     * Completes when the run is really running (a container started, a model server answering its
     * health check). Completes exceptionally, with a message a user understands, when it could not
     * start; {@link #exit()} then completes too. Already complete for runtimes that start at once.
     */
    default CompletableFuture<Void> started() {
        return CompletableFuture.completedFuture(null);
    }

    /** Completes once the run has ended, however it ended. */
    CompletableFuture<ExitStatus> exit();

    /** Asks the run to stop, then forces it after {@code grace}; everything it started goes too. */
    void stop(Duration grace);

    /** Where a long-running server run answers (e.g. {@code http://host:8000/v1}); null for none. */
    default String endpoint() {
        return null;
    }

    /** What the run uses now; null when the runtime cannot tell. */
    default RunUsage usage() {
        return null;
    }
}
