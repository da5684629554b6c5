package io.orchion.api.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/** A run in progress. */
@ProviderType
public interface RunHandle {

    String runId();

    /** Completes once the run has ended, however it ended. */
    CompletableFuture<ExitStatus> exit();

    /** Asks the run to stop, then forces it after {@code grace}; everything it started goes too. */
    void stop(Duration grace);
}
