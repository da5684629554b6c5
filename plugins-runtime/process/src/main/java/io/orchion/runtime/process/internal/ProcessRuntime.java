package io.orchion.runtime.process.internal;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

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
import io.orchion.runtime.process.ProcessGroup;

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
        List<String> command = strings(request.settings().get("command"), "process.command");
        if (command.isEmpty()) {
            throw new InvalidArgumentException("process.command", "required, but empty");
        }
        String program = command.get(0);
        if (!findable(program, System.getenv("PATH"))) {
            throw new InvalidArgumentException("process.command",
                    "'" + program + "' is not " + (program.contains("/") ? "an executable file" : "found on the PATH")
                            + " of this node");
        }
        List<String> argv = new ArrayList<>();
        if (SETSID != null) {
            argv.add(SETSID);
        }
        Path stateDir = request.stateDir();
        if (stateDir != null) {
            // a small shell keeps the exit code in the state folder, for an agent that restarts meanwhile;
            // the run gets back the umask bin/orchion was started with (the agent's own is 077)
            argv.addAll(List.of("/bin/sh", "-c", "[ -n \"$ORCHION_JOB_UMASK\" ] && umask \"$ORCHION_JOB_UMASK\"; "
                    + "\"$@\"; code=$?; echo $code > \"$ORCHION_EXIT_FILE\"; exit $code", "orchion-run"));
        }
        argv.addAll(command);
        argv.addAll(strings(request.settings().get("args"), "process.args"));
        ProcessBuilder pb = new ProcessBuilder(argv);
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
        if (!request.gpuIndices().isEmpty()) {
            // only the reserved GPUs are visible to the run (CUDA and ROCm read these)
            String gpus = request.gpuIndices().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
            pb.environment().put("CUDA_VISIBLE_DEVICES", gpus);
            pb.environment().put("HIP_VISIBLE_DEVICES", gpus);
        }
        pb.environment().put("ORCHION_RUN_ID", request.runId());
        pb.environment().put("ORCHION_JOB_NAME", request.jobName());
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
                    + e.getMessage().replaceFirst("^Cannot run program \"[^\"]*\"(?: \\(in directory \"[^\"]*\"\\))?: ", ""));
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
                .thenAccept(p -> run.finish(new ExitStatus(p.exitValue(), "exited")));
        if (request.timeout() != null) {
            timers.schedule(() -> {
                if (process.isAlive()) {
                    run.stopBecause("timeout", Duration.ofSeconds(5));
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
            long pid = Long.parseLong(f[0]);
            Instant started = Instant.ofEpochMilli(Long.parseLong(f[1]));
            Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> p.info()
                    .startInstant().map(s -> Math.abs(s.toEpochMilli() - started.toEpochMilli()) < 2000).orElse(false));
            if (h.isEmpty()) {
                return Optional.empty(); // gone, or the pid now belongs to another process
            }
            Run run = new Run(request.runId(), h.get());
            CompletableFuture<Void> output = follow(request, logs, h.get()::isAlive);
            h.get().onExit().thenCombine(output, (p, v) -> p).thenAccept(p -> run.finish(recoveredExit(request.stateDir())));
            return Optional.of(run);
        } catch (IOException | RuntimeException e) {
            LOG.warn("process runtime: cannot read {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    /** Follows the run's output files (from their start: the orchestrator skips what it has). */
    private static CompletableFuture<Void> follow(RunRequest request, LogSink logs,
            java.util.function.BooleanSupplier alive) {
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
            long started = handle.info().startInstant().map(Instant::toEpochMilli).orElse(System.currentTimeMillis());
            Files.writeString(request.stateDir().resolve(PID_FILE), handle.pid() + " " + started + "\n");
        } catch (IOException e) {
            LOG.warn("process runtime: cannot record run {} for recovery: {}", request.runId(), e.getMessage());
        }
    }

    private static CompletableFuture<Void> pump(InputStream in, String stream, LogSink logs, String runId) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    logs.line(stream, line);
                }
            } catch (IOException e) {
                // the process is gone
            } finally {
                done.complete(null);
            }
        }, "orchion-run-" + runId + "-" + stream);
        t.setDaemon(true);
        t.start();
        return done;
    }

    @SuppressWarnings("unchecked")
    static List<String> strings(Object value, String field) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new InvalidArgumentException(field, "must be a list of strings");
        }
        return ((List<Object>) list).stream().map(String::valueOf).toList();
    }

    /** Whether the program exists: checked before start, since setsid would only exit 127. */
    static boolean findable(String program, String path) {
        return ProcessGroup.executable(program, path) != null;
    }

    /** A run: its process and how it ended. */
    final class Run implements RunHandle {
        private final String runId;
        private final ProcessHandle handle;
        private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        private final AtomicReference<String> stopReason = new AtomicReference<>();

        Run(String runId, ProcessHandle handle) {
            this.runId = runId;
            this.handle = handle;
        }

        void finish(ExitStatus status) {
            String why = stopReason.get();
            exit.complete(why == null ? status : new ExitStatus(status.code(), why));
        }

        @Override
        public String runId() {
            return runId;
        }

        @Override
        public CompletableFuture<ExitStatus> exit() {
            return exit;
        }

        @Override
        public void stop(Duration grace) {
            stopBecause("stopped", grace);
        }

        private long lastCpuNanos = -1;
        private long lastWallNanos;

        /** CPU (from the process tree's CPU time) and resident memory (Linux /proc) of the run. */
        @Override
        public synchronized io.orchion.api.runtime.RunUsage usage() {
            if (!handle.isAlive()) {
                return null;
            }
            List<ProcessHandle> tree = new ArrayList<>();
            tree.add(handle);
            handle.descendants().forEach(tree::add);
            long cpu = 0;
            long rss = 0;
            for (ProcessHandle p : tree) {
                cpu += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
                rss += Procfs.rssBytes(p.pid());
            }
            long now = System.nanoTime();
            double cores = lastCpuNanos < 0 || now == lastWallNanos ? 0
                    : Math.max(0, (double) (cpu - lastCpuNanos) / (now - lastWallNanos));
            lastCpuNanos = cpu;
            lastWallNanos = now;
            return new io.orchion.api.runtime.RunUsage(cores, rss);
        }

        void stopBecause(String reason, Duration grace) {
            stopReason.compareAndSet(null, reason);
            signal("TERM");
            timers.schedule(() -> {
                if (!exit.isDone() || handle.descendants().anyMatch(ProcessHandle::isAlive)) {
                    signal("KILL");
                }
            }, grace.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** The whole process group (setsid made the run its leader), then any descendant left. */
        private void signal(String sig) {
            ProcessGroup.signal(handle, sig);
        }
    }
}
