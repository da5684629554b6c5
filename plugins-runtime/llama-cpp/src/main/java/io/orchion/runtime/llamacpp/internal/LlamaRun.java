package io.orchion.runtime.llamacpp.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.model.ModelFiles;
import io.orchion.api.model.ModelFiles.ModelFetchException;
import io.orchion.api.model.ModelSource;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunUsage;
import io.orchion.runtime.support.AbstractRun;
import io.orchion.runtime.support.ServerRun;

/**
 * A llama-cpp run: first the model file (from the node's model cache, downloaded when it is not
 * there yet), then the server ({@link ServerRun}: started once /health answers, watched while it
 * runs). A stop during the download interrupts it (the cache keeps what it had for a resume); a
 * download that fails ends the run before it started, with the cache's reason.
 *
 * <p>Thread-safe: the run's own thread fetches and starts; a stop may come from any thread.
 */
final class LlamaRun extends AbstractRun {
    /** How often the download's progress is written in the job's log (the job's progress field is updated more often). */
    static final Duration LOG_EVERY = Duration.ofSeconds(5);

    private final Object lock = new Object();
    private final Thread thread;
    private ServerRun server; // guarded by lock

    /**
     * @param serve starts the server for the model file (called on the run's thread, under no stop)
     */
    LlamaRun(String runId, ModelSource model, ModelFiles files, Function<Path, ServerRun> serve, LogSink logs) {
        super(runId);
        thread = new Thread(() -> run(model, files, serve, logs), "orchion-llama-" + runId);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(ModelSource model, ModelFiles files, Function<Path, ServerRun> serve, LogSink logs) {
        Path file;
        try {
            file = fetch(model, files, logs);
        } catch (InterruptedException e) {
            complete(new ExitStatus(-1, stopReason() != null ? stopReason() : "interrupted while fetching the model"));
            return;
        } catch (ModelFetchException | RuntimeException e) {
            String why = "llamaCpp.model: cannot fetch " + model + ": " + e.getMessage();
            logs.status("failed to start: " + why);
            failStart(why);
            return;
        }
        ServerRun s;
        synchronized (lock) {
            if (stopReason() != null) {
                complete(new ExitStatus(-1, stopReason()));
                return;
            }
            try {
                s = serve.apply(file);
            } catch (InvalidArgumentException e) {
                logs.status("failed to start: " + e.getMessage());
                failStart(e.getMessage());
                return;
            } catch (RuntimeException e) {
                failStart("cannot start llama-server: " + e);
                return;
            }
            server = s;
        }
        s.started().thenRun(this::markStarted);
        s.exit().thenAccept(this::complete);
    }

    /** The model file, its download (if any) reported as progress and, every {@link #LOG_EVERY}, in the log. */
    private static Path fetch(ModelSource model, ModelFiles files, LogSink logs)
            throws ModelFetchException, InterruptedException {
        String activity = "download " + model;
        long[] lastLog = { System.nanoTime() };
        logs.status("fetching the model " + model);
        Path file = files.fetch(model, (done, total) -> {
            logs.progress(activity, done, total);
            long now = System.nanoTime();
            if (now - lastLog[0] >= LOG_EVERY.toNanos()) {
                lastLog[0] = now;
                logs.status("downloading " + model + ": " + mib(done)
                        + (total > 0 ? " of " + mib(total) + " (" + done * 100 / total + "%)" : ""));
            }
        });
        logs.status("model ready: " + file);
        return file;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Stops the server, or the download while there is no server yet. */
    @Override
    public void stopBecause(String reason, Duration grace) {
        synchronized (lock) {
            recordStop(reason);
            if (server != null) {
                server.stopBecause(reason, grace);
            } else {
                thread.interrupt();
            }
        }
    }

    @Override
    public String endpoint() {
        synchronized (lock) {
            return server == null ? null : server.endpoint();
        }
    }

    @Override
    public RunUsage usage() {
        synchronized (lock) {
            return server == null ? new RunUsage(0, 0) : server.usage();
        }
    }
}
