package io.orchion.runtime.support;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunUsage;

/**
 * A model server run, whichever launcher started it. {@link #started()} completes once
 * {@code /health} answers 200; then {@code /health} is checked every interval, and after the
 * configured number of failures in a row the server is stopped with the reason {@code unhealthy},
 * so the job's restart policy decides what happens next.
 */
public final class ServerRun extends AbstractRun {
    /** The reason of a stop after too many failed health checks. */
    public static final String UNHEALTHY = "unhealthy";

    /**
     * How a server is watched: a runtime's configuration keys {@code healthTimeout},
     * {@code healthInterval}, {@code unhealthyThreshold} and {@code stopGrace}.
     *
     * @param healthTimeout      how long a starting server may take to answer /health (a spec may say otherwise)
     * @param healthInterval     how often a running server's /health is checked
     * @param unhealthyThreshold consecutive failed checks after which the server is stopped
     * @param stopGrace          how long a server the run stops itself (timeout, unhealthy, no start) may take
     */
    public record Checks(Duration healthTimeout, Duration healthInterval, int unhealthyThreshold, Duration stopGrace) {
        /** 10m to start, a check every 10s, stopped after 3 failures in a row with 10s to go. */
        public static final Checks DEFAULTS = new Checks(Duration.ofMinutes(10), Duration.ofSeconds(10), 3,
                Duration.ofSeconds(10));
        /** The configuration keys these are read from. */
        public static final java.util.Set<String> KEYS = java.util.Set.of("healthTimeout", "healthInterval",
                "unhealthyThreshold", "stopGrace");

        /** Reads the four keys from a configuration, each absent one from {@code fallback}; refuses a bad value naming its key. */
        public static Checks read(Settings config, Checks fallback) {
            return new Checks(config.duration("healthTimeout", fallback.healthTimeout()),
                    config.duration("healthInterval", fallback.healthInterval()),
                    config.integer("unhealthyThreshold", fallback.unhealthyThreshold(), 1, 1000),
                    config.duration("stopGrace", fallback.stopGrace()));
        }
    }

    /** What started the server: a process of ours ({@link ServerProcess}) or a container of a container runtime. */
    public interface Backend {
        /** Completes when the server has gone; the reason is the launcher's. */
        CompletableFuture<ExitStatus> exit();

        void stop(Duration grace);

        RunUsage usage();

        /** The server's last output lines, to explain why it died. */
        String lastOutput();
    }

    private final Backend backend;
    private final String endpoint;
    private final String probeBase;
    private final Checks options;
    private final LogSink logs;
    private final HealthProbe probe;

    /**
     * @param at         where clients reach the server, and where this node checks its health
     * @param healthTimeout how long a starting server may take to answer /health
     * @param timeout    the job's timeout (the run is stopped with the reason {@code timeout}); null for none
     * @param recovered  found again after an agent restart: it answered before, so no start wait
     * @param probe      how /health is asked ({@link HealthProbe#HTTP})
     */
    public ServerRun(String runId, Backend backend, ServerAddress at, Duration healthTimeout,
            Duration timeout, boolean recovered, Checks options, LogSink logs, HealthProbe probe) {
        super(runId);
        this.backend = backend;
        this.endpoint = at.endpoint();
        this.probeBase = at.probe();
        this.options = options;
        this.logs = logs;
        this.probe = probe;
        backend.exit().thenAccept(s -> {
            if (stopReason() == null && !started().isDone()) {
                complete(new ExitStatus(s.code(), "the server exited" + (s.code() < 0 ? "" : " with code " + s.code())
                        + " before answering /health" + tail(), s.result()));
            } else {
                finish(s);
            }
        });
        Thread t = new Thread(() -> watch(healthTimeout, timeout, recovered), "orchion-server-" + runId);
        t.setDaemon(true);
        t.start();
    }

    private void watch(Duration healthTimeout, Duration timeout, boolean recovered) {
        long runEnd = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        if (!recovered && !awaitHealthy(healthTimeout)) {
            return;
        }
        markStarted();
        logs.status((recovered ? "recovered, " : "") + "serving at " + endpoint);
        int failures = 0;
        while (!exit().isDone()) {
            if (waitForExit(options.healthInterval())) {
                return;
            }
            if (System.nanoTime() > runEnd) {
                stopBecause(TIMEOUT, options.stopGrace());
                return;
            }
            String problem = check(options.healthInterval());
            if (problem == null) {
                if (failures > 0) {
                    logs.status("healthy again: /health answers 200");
                }
                failures = 0;
                continue;
            }
            if (exit().isDone()) {
                return;
            }
            failures++;
            logs.status("unhealthy: /health " + problem + " (" + failures + " of " + options.unhealthyThreshold() + ")");
            if (failures >= options.unhealthyThreshold()) {
                logs.status("unhealthy: stopping the server after " + failures + " failed health checks");
                stopBecause(UNHEALTHY, options.stopGrace());
                return;
            }
        }
    }

    /** Polls /health until it answers 200; false when the server died or the time ran out. */
    private boolean awaitHealthy(Duration healthTimeout) {
        long deadline = System.nanoTime() + healthTimeout.toNanos();
        long pause = 200;
        String last = "no answer yet";
        logs.status("waiting for " + endpoint + "/health (up to " + Settings.human(healthTimeout) + ")");
        while (true) {
            if (exit().isDone() || waitForExit(Duration.ofMillis(pause))) {
                ExitStatus s = exit().getNow(null);
                startFailed(s == null ? "the server is gone" : s.reason());
                return false;
            }
            String problem = check(Duration.ofSeconds(5));
            if (problem == null) {
                return true;
            }
            last = problem;
            if (System.nanoTime() > deadline) {
                String why = "the server did not answer /health within " + Settings.human(healthTimeout) + " (last: " + last
                        + "); stopped it" + tail();
                stopBecause(why, options.stopGrace());
                startFailed(why);
                return false;
            }
            pause = Math.min(pause * 2, 2000);
        }
    }

    /** Says why it did not start; the exit follows once the backend has gone. */
    private void startFailed(String why) {
        logs.status("failed to start: " + why);
        started().completeExceptionally(new IllegalStateException(why));
    }

    private String tail() {
        String out = backend.lastOutput();
        return out == null || out.isBlank() ? "" : "; last output:\n" + out;
    }

    /** null when /health answers 200, else what went wrong. */
    private String check(Duration timeout) {
        try {
            int status = probe.health(probeBase, timeout.compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5)
                    : timeout);
            return status == 200 ? null : "answered " + status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return "failed: " + HealthProbe.describe(e);
        }
    }

    /** Waits up to {@code d} for the server to go; true when it has. */
    private boolean waitForExit(Duration d) {
        try {
            exit().get(d.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (ExecutionException e) {
            return true;
        }
    }

    @Override
    public void stopBecause(String reason, Duration grace) {
        recordStop(reason);
        backend.stop(grace);
    }

    @Override
    public String endpoint() {
        return endpoint;
    }

    @Override
    public RunUsage usage() {
        return backend.usage();
    }
}
