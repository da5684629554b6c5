package io.orchion.agent.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.RunPhase;
import io.orchion.api.node.Telemetry;
import io.orchion.api.runtime.ExecutionRuntime;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;
import io.orchion.api.runtime.RunUsage;
import io.orchion.api.security.Pem;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.proto.convert.NodeMapping;
import io.orchion.proto.convert.Structs;
import io.orchion.proto.v1.AgentMessage;
import io.orchion.proto.v1.AssignRun;
import io.orchion.proto.v1.Progress;
import io.orchion.proto.v1.RunUpdate;
import io.orchion.proto.v1.StopRun;

/**
 * The runs this agent supervises: starts assigned runs through the named runtime, reports RUNNING
 * once the run has really started and the exit with what it produced, ships its output, and stops
 * a run when asked. Each assignment is kept in the run's state folder until its exit is reported,
 * so an agent that restarts finds its runs again through their runtime instead of starting them twice.
 */
final class Runs {
    static final String ASSIGNMENT = "assign.pb";
    private static final Logger LOG = LoggerFactory.getLogger(Runs.class);
    private static final long PROGRESS_EVERY_MS = 250;

    private final Map<String, ExecutionRuntime> runtimes = new ConcurrentSkipListMap<>();
    private final Map<String, Active> active = new ConcurrentHashMap<>();
    private final Path stateDir;
    private final Consumer<AgentMessage> send;
    private final Outbox outbox;
    private final long outputSpoolBytes;

    private record Active(String jobId, String runId, RunHandle handle) {
    }

    /** @param outputSpoolBytes bound on a run's unshipped output on disk (see {@link RunRequest#outputSpoolBytes()}) */
    Runs(Path stateDir, Consumer<AgentMessage> send, Outbox outbox, long outputSpoolBytes) {
        this.stateDir = stateDir;
        this.send = send;
        this.outbox = outbox;
        this.outputSpoolBytes = outputSpoolBytes;
    }

    /** A runtime came (or went, with null). A new one gets to find the runs it had before a restart. */
    void runtime(String name, ExecutionRuntime runtime) {
        if (runtime == null) {
            runtimes.remove(name);
        } else {
            runtimes.put(name, runtime);
            Thread t = new Thread(() -> recoverAll(name, runtime), "orchion-agent-recover-" + name);
            t.setDaemon(true);
            t.start();
        }
    }

    /** Every runtime's fingerprint now; a runtime that throws is unhealthy, with the reason. */
    Map<String, Fingerprint> fingerprints() {
        Map<String, Fingerprint> out = new java.util.TreeMap<>();
        runtimes.forEach((name, rt) -> {
            try {
                Fingerprint f = rt.fingerprint();
                out.put(name, f == null ? new Fingerprint(false, "no fingerprint", Map.of()) : f);
            } catch (RuntimeException | LinkageError e) {
                out.put(name, new Fingerprint(false, "fingerprint failed: " + e, Map.of()));
            }
        });
        return out;
    }

    java.util.Set<String> runtimeNames() {
        return java.util.Set.copyOf(runtimes.keySet());
    }

    List<String> activeJobIds() {
        return active.values().stream().map(Active::jobId).distinct().toList();
    }

    /** Each run's use, for the heartbeat's telemetry. */
    List<Telemetry.RunUse> usage() {
        List<Telemetry.RunUse> out = new ArrayList<>();
        for (Active a : active.values()) {
            try {
                RunUsage u = a.handle().usage();
                if (u != null) {
                    out.add(new Telemetry.RunUse(a.jobId(), a.runId(), u.cpuCores(), u.memoryBytes()));
                }
            } catch (RuntimeException e) {
                LOG.debug("usage of run {} failed: {}", a.runId(), e.toString());
            }
        }
        return out;
    }

    void assign(AssignRun a) {
        if (active.containsKey(a.getRunId())) {
            return; // sent again after a reconnect: it runs already
        }
        ExecutionRuntime runtime = runtimes.get(a.getRuntime());
        if (runtime == null) {
            update(a.getJobId(), a.getRunId(), RunPhase.FAILED_TO_START, 0, "no " + a.getRuntime() + " runtime on this node");
            return;
        }
        RunRequest request;
        try {
            request = request(a);
        } catch (RuntimeException e) {
            // e.g. settings this agent cannot turn into a request: the job fails, the stream stays
            LOG.warn("agent: run {} cannot be read: {}", a.getRunId(), e.toString());
            failedToStart(a, "the assignment cannot be read: " + e.getMessage());
            return;
        }
        try {
            // the assignment holds the job's env values: the run's folder and record are the owner's only
            Files.createDirectories(request.stateDir(), io.orchion.api.OwnerOnly.folder());
            Pem.writeOwnerOnly(request.stateDir().resolve(ASSIGNMENT), a.toByteArray());
        } catch (IOException e) {
            LOG.warn("agent: cannot keep run {} for recovery: {}", a.getRunId(), e.getMessage());
        }
        RunHandle h;
        try {
            h = runtime.start(request, sink(a.getJobId(), a.getRunId()));
        } catch (InvalidArgumentException e) {
            failedToStart(a, e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.warn("agent: run {} could not start: {}", a.getRunId(), e.toString());
            failedToStart(a, e.toString());
            return;
        }
        watch(a.getJobId(), a.getRunId(), a.getRuntime(), h, false);
    }

    private void failedToStart(AssignRun a, String why) {
        update(a.getJobId(), a.getRunId(), RunPhase.FAILED_TO_START, 0, why);
        outbox.finished(a.getRunId());
    }

    /** Reports RUNNING once the run has started (or why it could not), then its exit. */
    private void watch(String jobId, String runId, String runtime, RunHandle h, boolean recovered) {
        active.put(runId, new Active(jobId, runId, h));
        h.started().whenComplete((ok, error) -> {
            if (error != null) {
                if (active.remove(runId) != null) {
                    String why = message(error);
                    LOG.info("agent: job {} could not start: {}", jobId, why);
                    update(jobId, runId, RunPhase.FAILED_TO_START, 0, why);
                    outbox.finished(runId);
                }
                return;
            }
            String endpoint = h.endpoint();
            LOG.info("agent: job {} {} ({} runtime, run {}{})", jobId, recovered ? "recovered, still running" : "running",
                    runtime, runId, endpoint == null ? "" : ", at " + endpoint);
            send.accept(AgentMessage.newBuilder().setRunUpdate(RunUpdate.newBuilder().setJobId(jobId).setRunId(runId)
                    .setState(RunPhase.RUNNING.name()).setEndpoint(endpoint == null ? "" : endpoint)).build());
        });
        h.exit().thenAccept(status -> {
            if (active.remove(runId) == null) {
                return; // reported as a start failure already
            }
            LOG.info("agent: job {} ended: {} (exit code {})", jobId, status.reason(), status.code());
            exited(jobId, runId, status);
        });
    }

    private void exited(String jobId, String runId, ExitStatus status) {
        RunUpdate.Builder u = RunUpdate.newBuilder().setJobId(jobId).setRunId(runId).setState(RunPhase.EXITED.name())
                .setExitCode(status.code()).setMessage(status.reason() == null ? "" : status.reason());
        if (!status.result().isEmpty()) {
            u.setResult(Structs.toStruct(status.result()));
        }
        send.accept(AgentMessage.newBuilder().setRunUpdate(u).build());
        outbox.finished(runId);
    }

    private static String message(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    private RunRequest request(AssignRun a) {
        return new RunRequest(a.getRunId(), a.getJobName(), Structs.toMap(a.getSettings()),
                new ResourceRequest(a.getCpu(), a.getMemoryBytes(), a.getGpuIndicesCount(), 0), a.getGpuIndicesList(),
                a.getTimeoutMs() > 0 ? Duration.ofMillis(a.getTimeoutMs()) : null, stateDir.resolve(a.getRunId()),
                NodeMapping.allowed(a.getAllowedList()), outputSpoolBytes);
    }

    /** The run's output goes to the outbox; progress is sent at most a few times a second. */
    private LogSink sink(String jobId, String runId) {
        return new LogSink() {
            private long lastProgress;

            @Override
            public void line(String stream, String text) {
                outbox.line(jobId, runId, stream, text);
            }

            @Override
            public void progress(String activity, long done, long total) {
                long now = System.currentTimeMillis();
                synchronized (this) {
                    if (now - lastProgress < PROGRESS_EVERY_MS && (total <= 0 || done < total)) {
                        return;
                    }
                    lastProgress = now;
                }
                send.accept(AgentMessage.newBuilder().setRunUpdate(RunUpdate.newBuilder().setJobId(jobId)
                        .setRunId(runId).setState(RunPhase.PROGRESS.name()).setProgress(Progress.newBuilder()
                                .setActivity(activity == null ? "" : activity).setDone(done).setTotal(total)
                                .setAtUnixMs(now)))
                        .build());
            }

            @Override
            public void status(String message) {
                update(jobId, runId, RunPhase.STATUS, 0, message);
            }
        };
    }

    /** After a restart: the runs this runtime had, found again, or reported gone. */
    private void recoverAll(String name, ExecutionRuntime runtime) {
        if (!Files.isDirectory(stateDir)) {
            return;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(stateDir)) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve(ASSIGNMENT))).sorted(Comparator.naturalOrder()).toList();
        } catch (IOException e) {
            LOG.warn("agent: cannot look for runs to recover in {}: {}", stateDir, e.getMessage());
            return;
        }
        for (Path d : dirs) {
            AssignRun a;
            try {
                a = AssignRun.parseFrom(Files.readAllBytes(d.resolve(ASSIGNMENT)));
            } catch (IOException e) {
                LOG.warn("agent: unreadable run record {}: {}", d, e.getMessage());
                continue;
            }
            if (!a.getRuntime().equals(name) || active.containsKey(a.getRunId())) {
                continue;
            }
            try {
                var found = runtime.recover(request(a), sink(a.getJobId(), a.getRunId()));
                if (found.isPresent()) {
                    watch(a.getJobId(), a.getRunId(), name, found.get(), true);
                } else {
                    LOG.info("agent: run {} of job {} is gone after the agent restarted", a.getRunId(), a.getJobId());
                    exited(a.getJobId(), a.getRunId(), new ExitStatus(-1, "the run was gone when the agent restarted"));
                }
            } catch (RuntimeException e) {
                LOG.warn("agent: recovering run {} failed: {}", a.getRunId(), e.toString());
            }
        }
    }

    /** A run is settled (exit reported, lines acknowledged): its state folder goes. */
    void forget(String runId) {
        Path d = stateDir.resolve(runId);
        if (!d.normalize().startsWith(stateDir.normalize()) || !Files.isDirectory(d)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(d)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}: {}", p, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.debug("cannot clean {}: {}", d, e.getMessage());
        }
    }

    /**
     * After a (re)connect: says again which runs are running, so the orchestrator can settle a run
     * whose RUNNING was lost and stop a copy that was placed again elsewhere meanwhile.
     */
    void reannounce() {
        for (Active a : active.values()) {
            if (!a.handle().started().isDone()) {
                // still pulling or starting: it is ours, it just does not run yet
                update(a.jobId(), a.runId(), RunPhase.ACCEPTED, 0, "");
            } else if (!a.handle().started().isCompletedExceptionally() && !a.handle().exit().isDone()) {
                String endpoint = a.handle().endpoint();
                send.accept(AgentMessage.newBuilder().setRunUpdate(RunUpdate.newBuilder().setJobId(a.jobId())
                        .setRunId(a.runId()).setState(RunPhase.RUNNING.name()).setEndpoint(endpoint == null ? "" : endpoint)).build());
            }
        }
    }

    void stop(StopRun s) {
        Active a = active.get(s.getRunId());
        if (a == null) {
            update(s.getJobId(), s.getRunId(), RunPhase.EXITED, -1, "stopped");
        } else {
            a.handle().stop(Duration.ofMillis(Math.max(0, s.getGraceMs())));
        }
    }

    /** Stops every run (the agent is shutting down). */
    void stopAll() {
        active.values().forEach(a -> a.handle().stop(Duration.ofSeconds(5)));
    }

    private void update(String jobId, String runId, RunPhase phase, int code, String message) {
        send.accept(AgentMessage.newBuilder().setRunUpdate(RunUpdate.newBuilder().setJobId(jobId).setRunId(runId)
                .setState(phase.name()).setExitCode(code).setMessage(message == null ? "" : message)).build());
    }
}
