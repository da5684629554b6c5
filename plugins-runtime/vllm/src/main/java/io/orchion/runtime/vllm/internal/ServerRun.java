package io.orchion.runtime.vllm.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunUsage;

/**
 * A model server run, whichever launcher started it. {@link #started()} completes once
 * {@code /health} answers 200; then {@code /health} is checked every interval, and after the
 * configured number of failures in a row the server is stopped with the reason {@code unhealthy},
 * so the job's restart policy decides what happens next.
 */
final class ServerRun implements RunHandle {
    static final String UNHEALTHY = "unhealthy";

    /** What started the server: a process of ours or a container of the docker runtime. */
    interface Backend {
        /** Completes when the server has gone; the reason is the launcher's. */
        CompletableFuture<ExitStatus> exit();

        void stop(Duration grace);

        RunUsage usage();

        /** The server's last output lines, to explain why it died. */
        String lastOutput();
    }

    private final String runId;
    private final Backend backend;
    private final String endpoint;
    private final String probeBase;
    private final Options options;
    private final LogSink logs;
    private final OpenAiClient client;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<ExitStatus> exit;
    private final AtomicReference<String> stopReason = new AtomicReference<>();

    /**
     * @param endpoint   where clients reach the server
     * @param probeBase  where this node checks its health (loopback for a wildcard listener)
     * @param recovered  found again after an agent restart: it answered before, so no start wait
     */
    ServerRun(String runId, Backend backend, String endpoint, String probeBase, Duration healthTimeout,
            Duration timeout, boolean recovered, Options options, LogSink logs, OpenAiClient client) {
        this.runId = runId;
        this.backend = backend;
        this.endpoint = endpoint;
        this.probeBase = probeBase;
        this.options = options;
        this.logs = logs;
        this.client = client;
        this.exit = backend.exit().thenApply(s -> {
            String why = stopReason.get();
            if (why == null && !started.isDone()) {
                why = "the server exited" + (s.code() < 0 ? "" : " with code " + s.code()) + " before answering /health"
                        + tail();
            }
            return why == null ? s : new ExitStatus(s.code(), why, s.result());
        });
        Thread t = new Thread(() -> watch(healthTimeout, timeout, recovered), "orchion-vllm-" + runId);
        t.setDaemon(true);
        t.start();
    }

    private void watch(Duration healthTimeout, Duration timeout, boolean recovered) {
        long runEnd = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        if (!recovered && !awaitHealthy(healthTimeout)) {
            return;
        }
        started.complete(null);
        logs.status((recovered ? "recovered, " : "") + "serving at " + endpoint);
        int failures = 0;
        while (!exit.isDone()) {
            if (waitForExit(options.healthInterval())) {
                return;
            }
            if (System.nanoTime() > runEnd) {
                stopBecause("timeout");
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
            if (exit.isDone()) {
                return;
            }
            failures++;
            logs.status("unhealthy: /health " + problem + " (" + failures + " of " + options.unhealthyThreshold() + ")");
            if (failures >= options.unhealthyThreshold()) {
                logs.status("unhealthy: stopping the server after " + failures + " failed health checks");
                stopBecause(UNHEALTHY);
                return;
            }
        }
    }

    /** Polls /health until it answers 200; false when the server died or the time ran out. */
    private boolean awaitHealthy(Duration healthTimeout) {
        long deadline = System.nanoTime() + healthTimeout.toNanos();
        long pause = 200;
        String last = "no answer yet";
        logs.status("waiting for " + endpoint + "/health (up to " + human(healthTimeout) + ")");
        while (true) {
            if (exit.isDone() || waitForExit(Duration.ofMillis(pause))) {
                ExitStatus s = exit.getNow(null);
                failStart(s == null ? "the server is gone" : s.reason());
                return false;
            }
            String problem = check(Duration.ofSeconds(5));
            if (problem == null) {
                return true;
            }
            last = problem;
            if (System.nanoTime() > deadline) {
                String why = "the server did not answer /health within " + human(healthTimeout) + " (last: " + last
                        + "); stopped it" + tail();
                stopBecause(why);
                failStart(why);
                return false;
            }
            pause = Math.min(pause * 2, 2000);
        }
    }

    private void failStart(String why) {
        logs.status("failed to start: " + why);
        started.completeExceptionally(new IllegalStateException(why));
    }

    private String tail() {
        String out = backend.lastOutput();
        return out == null || out.isBlank() ? "" : "; last output:\n" + out;
    }

    /** null when /health answers 200, else what went wrong. */
    private String check(Duration timeout) {
        try {
            int status = client.health(probeBase, timeout.compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5)
                    : timeout);
            return status == 200 ? null : "answered " + status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return "failed: " + OpenAiClient.describe(e);
        }
    }

    /** Waits up to {@code d} for the server to go; true when it has. */
    private boolean waitForExit(Duration d) {
        try {
            exit.get(d.toMillis(), TimeUnit.MILLISECONDS);
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

    void stopBecause(String reason) {
        stopReason.compareAndSet(null, reason);
        backend.stop(options.stopGrace());
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s == 0) {
            return d.toMillis() + "ms";
        }
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public CompletableFuture<Void> started() {
        return started;
    }

    @Override
    public CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    @Override
    public void stop(Duration grace) {
        stopReason.compareAndSet(null, "stopped");
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
