package io.orchion.runtime.process.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExecutionRuntime;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;
import io.orchion.api.runtime.RunUsage;
import io.orchion.runtime.support.AbstractRun;
import io.orchion.runtime.support.LineSplitter;
import io.orchion.runtime.support.ProcessGroup;
import io.orchion.runtime.support.ProcessTreeUsage;
import io.orchion.runtime.support.Settings;

/**
 * Runs a command as a process in a session of its own ({@code setsid}), so stopping a run signals
 * its whole process group: children, grandchildren and what they put in the background go too.
 * The pid and start time are kept in the run's state folder, so an agent that restarts finds the
 * process again instead of starting a second one.
 */
@Component(property = ExecutionRuntime.NAME + "=process")
public class ProcessRuntime implements ExecutionRuntime {
    static final String PID_FILE = "process.pid";
    static final String EXIT_FILE = "exit-code";
    static final String STDOUT = "stdout.log";
    static final String STDERR = "stderr.log";
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRuntime.class);
    private static final String SETSID = ProcessGroup.SETSID;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "orchion-process-runtime");
        t.setDaemon(true);
        return t;
    });

    @Deactivate
    void deactivate() {
        timers.shutdownNow();
    }

    @Override
    public Fingerprint fingerprint() {
        return new Fingerprint(true, SETSID == null ? "processes (no setsid: stop reaches descendants only)"
                : "processes in their own session", Map.of("os", System.getProperty("os.name")));
    }

    @Override
    public RunHandle start(RunRequest request, LogSink logs) {
        Settings settings = new Settings(request.settings(), "process.");
        List<String> command = settings.stringList("command");
        if (command.isEmpty()) {
            throw new InvalidArgumentException("process.command", "required, but empty");
        }
        String notRunnable = ProcessGroup.notRunnable(command.get(0), System.getenv("PATH"));
        if (notRunnable != null) {
            throw new InvalidArgumentException("process.command", notRunnable);
        }
        List<String> argv = new ArrayList<>();
        Path stateDir = request.stateDir();
        if (stateDir != null) {
            // a small shell keeps the exit code in the state folder, for an agent that restarts meanwhile;
            // the run gets back the umask bin/orchion was started with (the agent's own is 077)
            argv.addAll(List.of("/bin/sh", "-c", "[ -n \"$ORCHION_JOB_UMASK\" ] && umask \"$ORCHION_JOB_UMASK\"; "
                    + "\"$@\"; code=$?; echo $code > \"$ORCHION_EXIT_FILE\"; exit $code", "orchion-run"));
        }
        argv.addAll(command);
        argv.addAll(settings.stringList("args"));
        ProcessBuilder pb = new ProcessBuilder(ProcessGroup.leaderArgv(argv));
        Object workdir = request.settings().get("workdir");
        if (workdir != null) {
            File dir = new File(workdir.toString());
            if (!dir.isDirectory()) {
                throw new InvalidArgumentException("process.workdir", "'" + workdir + "' is not a folder on this node");
            }
            pb.directory(dir);
        }
        if (request.settings().get("env") instanceof Map<?, ?> env) {
            env.forEach((k, v) -> pb.environment().put(String.valueOf(k), String.valueOf(v)));
        }
        ProcessGroup.runEnvironment(pb.environment(), request.runId(), request.jobName(), request.gpuIndices());
        if (stateDir != null) {
            try {
                Files.createDirectories(stateDir);
                Files.deleteIfExists(stateDir.resolve(EXIT_FILE));
            } catch (IOException e) {
                throw new IllegalStateException("cannot create the run's folder " + stateDir + ": " + e.getMessage(), e);
            }
            pb.environment().put("ORCHION_EXIT_FILE", stateDir.resolve(EXIT_FILE).toString());
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(stateDir.resolve(STDOUT).toFile()));
            pb.redirectError(ProcessBuilder.Redirect.appendTo(stateDir.resolve(STDERR).toFile()));
        }
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new InvalidArgumentException("process.command", "cannot start '" + command.get(0) + "': "
                    + ProcessGroup.startFailure(e));
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // nothing to close
        }
        remember(request, process.toHandle());
        Run run = new Run(request.runId(), process.toHandle());
        CompletableFuture<Void> output;
        if (stateDir != null) {
            output = follow(request, logs, process::isAlive);
        } else {
            output = CompletableFuture.allOf(pump(process.getInputStream(), "stdout", logs, request.runId()),
                    pump(process.getErrorStream(), "stderr", logs, request.runId()));
        }
        // the exit is reported once every line of output has been handed on
        process.onExit().thenCombine(output, (p, v) -> p)
                .thenAccept(p -> run.exited(new ExitStatus(p.exitValue(), "exited")));
        if (request.timeout() != null) {
            timers.schedule(() -> {
                if (process.isAlive()) {
                    run.stopBecause(AbstractRun.TIMEOUT, Duration.ofSeconds(5));
                }
            }, request.timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        return run;
    }

    @Override
    public Optional<RunHandle> recover(RunRequest request, LogSink logs) {
        Path file = request.stateDir() == null ? null : request.stateDir().resolve(PID_FILE);
        if (file == null || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            String[] f = Files.readString(file).trim().split("\\s+");
            Optional<ProcessHandle> h = ProcessGroup.find(Long.parseLong(f[0]), Long.parseLong(f[1]));
            if (h.isEmpty()) {
                return Optional.empty(); // gone, or the pid now belongs to another process
            }
            Run run = new Run(request.runId(), h.get());
            CompletableFuture<Void> output = follow(request, logs, h.get()::isAlive);
            h.get().onExit().thenCombine(output, (p, v) -> p).thenAccept(p -> run.exited(recoveredExit(request.stateDir())));
            return Optional.of(run);
        } catch (IOException | RuntimeException e) {
            LOG.warn("process runtime: cannot read {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    /** Follows the run's output files (from their start: the orchestrator skips what it has). */
    private static CompletableFuture<Void> follow(RunRequest request, LogSink logs, BooleanSupplier alive) {
        Path stateDir = request.stateDir();
        String runId = request.runId();
        long spool = request.outputSpoolBytes();
        return CompletableFuture.allOf(
                Tail.follow(stateDir.resolve(STDOUT), "stdout", logs, alive, "orchion-run-" + runId + "-stdout", spool),
                Tail.follow(stateDir.resolve(STDERR), "stderr", logs, alive, "orchion-run-" + runId + "-stderr", spool));
    }

    /** The exit code the run's shell kept, for a run found again after an agent restart. */
    static ExitStatus recoveredExit(Path stateDir) {
        try {
            return new ExitStatus(Integer.parseInt(Files.readString(stateDir.resolve(EXIT_FILE)).trim()), "exited");
        } catch (IOException | RuntimeException e) {
            return new ExitStatus(-1, "ended while the agent was away (exit code unknown)");
        }
    }

    private static void remember(RunRequest request, ProcessHandle handle) {
        if (request.stateDir() == null) {
            return;
        }
        try {
            Files.createDirectories(request.stateDir());
            Files.writeString(request.stateDir().resolve(PID_FILE),
                    handle.pid() + " " + ProcessGroup.startedMillis(handle) + "\n");
        } catch (IOException e) {
            LOG.warn("process runtime: cannot record run {} for recovery: {}", request.runId(), e.getMessage());
        }
    }

    private static CompletableFuture<Void> pump(InputStream in, String stream, LogSink logs, String runId) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            LineSplitter lines = new LineSplitter(line -> logs.line(stream, line));
            try (in) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0;) {
                    lines.write(buf, 0, n);
                }
            } catch (IOException e) {
                // the process is gone
            } finally {
                lines.flush();
                done.complete(null);
            }
        }, "orchion-run-" + runId + "-" + stream);
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** A run: its process group; it has started once its process has. */
    static final class Run extends AbstractRun {
        private final ProcessHandle handle;
        private final ProcessTreeUsage usage;

        Run(String runId, ProcessHandle handle) {
            super(runId);
            this.handle = handle;
            this.usage = new ProcessTreeUsage(handle);
            markStarted();
        }

        void exited(ExitStatus status) {
            finish(status);
        }

        /** CPU (from the process tree's CPU time) and resident memory (Linux /proc) of the run. */
        @Override
        public RunUsage usage() {
            return usage.sample();
        }

        /** The whole process group (setsid made the run its leader), then any descendant left. */
        @Override
        public void stopBecause(String reason, Duration grace) {
            recordStop(reason);
            ProcessGroup.stop(handle, grace);
        }
    }
}
