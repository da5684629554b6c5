package io.orchion.runtime.support;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.RunHandle;

/**
 * The bookkeeping every run handle keeps: its {@link #started()} and {@link #exit()} futures and
 * the reason of the first stop asked for. A stop that comes while the run ends names how it ended
 * ({@code stopped}, {@code timeout}, {@code unhealthy}) rather than the exit the stop caused, and
 * a run that ends before it started has failed to start, with the same reason.
 *
 * <p>Thread-safe: a stop may come from any thread while the run's own thread finishes it; the
 * first completion wins, later ones are ignored.
 */
public abstract class AbstractRun implements RunHandle {
    /** The reason of a stop the agent asked for. */
    public static final String STOPPED = "stopped";
    /** The reason of a stop because the job's timeout passed. */
    public static final String TIMEOUT = "timeout";

    private final String runId;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final AtomicReference<String> stopReason = new AtomicReference<>();

    protected AbstractRun(String runId) {
        this.runId = runId;
    }

    @Override
    public final String runId() {
        return runId;
    }

    @Override
    public final CompletableFuture<Void> started() {
        return started;
    }

    @Override
    public final CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    /** Stops the run with the reason {@value #STOPPED}. */
    @Override
    public void stop(Duration grace) {
        stopBecause(STOPPED, grace);
    }

    /**
     * Asks the run to stop, giving it {@code grace} before it is forced. The reason reported is the
     * first one asked for ({@link #recordStop}).
     */
    public abstract void stopBecause(String reason, Duration grace);

    /** Records {@code reason} unless a stop was asked before; true when this was the first. */
    protected final boolean recordStop(String reason) {
        return stopReason.compareAndSet(null, reason);
    }

    /** The reason of the first stop asked for; null while none was. */
    public final String stopReason() {
        return stopReason.get();
    }

    /** The run is really running (a runtime that starts at once calls this from its constructor). */
    protected final void markStarted() {
        started.complete(null);
    }

    /**
     * Ends the run with {@code status}, whose reason gives way to the stop reason when a stop was
     * asked (the code and the result stay). False when the run had ended already.
     */
    protected final boolean finish(ExitStatus status) {
        String why = stopReason.get();
        return complete(why == null ? status : new ExitStatus(status.code(), why, status.result()));
    }

    /**
     * Ends the run with {@code status} as it is. A run that had not started has failed to start, for
     * the same reason. False when the run had ended already.
     */
    protected final boolean complete(ExitStatus status) {
        if (!started.isDone()) {
            started.completeExceptionally(new IllegalStateException(status.reason()));
        }
        return exit.complete(status);
    }

    /** The run never started: {@link #started()} fails with {@code why}, and it exits with -1 and {@code why}. */
    protected final boolean failStart(String why) {
        return complete(new ExitStatus(-1, why));
    }
}
