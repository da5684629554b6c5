package io.orchion.runtime.vllm.internal;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.orchion.runtime.process.ProcessGroup;
import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunUsage;

/**
 * The process launcher: {@code vllm serve ...} in a session of its own ({@code setsid}), so a stop
 * signals its whole process group (vLLM's engine and worker processes included). Its output goes
 * to files in the run's state folder and is followed from there, so the server does not die of a
 * broken pipe when the agent restarts, and a restarted agent follows it again.
 */
final class ProcessServer implements ServerRun.Backend {
    static final String STDOUT = "server.out";
    static final String STDERR = "server.err";
    private static final String SETSID = ProcessGroup.SETSID;
    private static final int TAIL_LINES = 15;

    private final ProcessHandle handle;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final Deque<String> last = new ArrayDeque<>();
    private final List<Thread> followers = new ArrayList<>();
    private final ProcUsage usage;
    private volatile boolean gone;

    private ProcessServer(ProcessHandle handle, Path dir, boolean fromEnd, LogSink logs) {
        this.handle = handle;
        this.usage = new ProcUsage(handle);
        followers.add(follow(dir.resolve(STDOUT), "stdout", fromEnd, logs));
        followers.add(follow(dir.resolve(STDERR), "stderr", fromEnd, logs));
    }

    /** Starts the server; refuses (naming the setting) when the command cannot run here. */
    static ProcessServer start(List<String> argv, String runId, String jobName, List<Integer> gpus,
            java.util.Map<String, String> env, Path dir, LogSink logs) {
        String program = argv.get(0);
        if (findable(program, System.getenv("PATH")) == null) {
            throw new InvalidArgumentException("vllm.command", "'" + program + "' is not "
                    + (program.contains("/") ? "an executable file" : "found on the PATH") + " of this node"
                    + " (install vLLM, set the command in io.orchion.runtime.vllm.cfg, or use launcher: container)");
        }
        List<String> full = new ArrayList<>();
        if (SETSID != null) {
            full.add(SETSID);
        }
        full.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(full);
        pb.environment().putAll(env);
        if (!gpus.isEmpty()) {
            String list = gpus.stream().map(String::valueOf).collect(Collectors.joining(","));
            pb.environment().put("CUDA_VISIBLE_DEVICES", list);
            pb.environment().put("HIP_VISIBLE_DEVICES", list);
        }
        pb.environment().put("ORCHION_RUN_ID", runId);
        pb.environment().put("ORCHION_JOB_NAME", jobName);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(STDOUT).toFile()));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve(STDERR).toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new InvalidArgumentException("vllm.command", "cannot start '" + program + "': " + e.getMessage()
                    .replaceFirst("^Cannot run program \"[^\"]*\"(?: \\(in directory \"[^\"]*\"\\))?: ", ""));
        }
        ProcessServer server = new ProcessServer(p.toHandle(), dir, false, logs);
        p.onExit().thenAccept(done -> server.ended(done.exitValue()));
        return server;
    }

    /** The server a pid file names, if it still runs (the same process: its start time matches). */
    static Optional<ProcessServer> recover(long pid, Instant startedAt, Path dir, LogSink logs) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> p.info()
                .startInstant().map(s -> Math.abs(s.toEpochMilli() - startedAt.toEpochMilli()) < 2000).orElse(false));
        return h.map(handle -> {
            ProcessServer server = new ProcessServer(handle, dir, true, logs);
            handle.onExit().thenAccept(done -> server.ended(-1));
            return server;
        });
    }

    ProcessHandle handle() {
        return handle;
    }

    private void ended(int code) {
        gone = true;
        for (Thread t : followers) {
            try {
                t.join(2000); // the last lines are read before the exit is reported
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        exit.complete(new ExitStatus(code, "exited"));
    }

    /** Follows an output file from its start (a new run) or its end (a recovered one). */
    private Thread follow(Path file, String stream, boolean fromEnd, LogSink logs) {
        Thread t = new Thread(() -> {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                long pos = fromEnd ? f.length() : 0;
                StringBuilder partial = new StringBuilder();
                byte[] buf = new byte[8192];
                while (true) {
                    boolean wasGone = gone;
                    f.seek(pos);
                    int n;
                    boolean read = false;
                    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                    while ((n = f.read(buf)) > 0) {
                        bytes.write(buf, 0, n);
                        pos += n;
                        read = true;
                    }
                    if (read) {
                        partial.append(bytes.toString(StandardCharsets.UTF_8));
                        int nl;
                        while ((nl = partial.indexOf("\n")) >= 0) {
                            emit(logs, stream, partial.substring(0, nl));
                            partial.delete(0, nl + 1);
                        }
                    }
                    if (wasGone && !read) {
                        if (partial.length() > 0) {
                            emit(logs, stream, partial.toString());
                        }
                        return;
                    }
                    if (!read) {
                        Thread.sleep(100);
                    }
                }
            } catch (IOException e) {
                // the file went away with the state folder
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "orchion-vllm-" + stream);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void emit(LogSink logs, String stream, String line) {
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        synchronized (last) {
            last.addLast(text);
            if (last.size() > TAIL_LINES) {
                last.removeFirst();
            }
        }
        logs.line(stream, text);
    }

    @Override
    public String lastOutput() {
        synchronized (last) {
            return String.join("\n", last);
        }
    }

    @Override
    public CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    @Override
    public RunUsage usage() {
        return usage.sample();
    }

    @Override
    public void stop(Duration grace) {
        signal("TERM");
        CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (handle.isAlive() || handle.descendants().anyMatch(ProcessHandle::isAlive)) {
                signal("KILL");
            }
        });
    }

    /** The whole process group (setsid made the server its leader), then any descendant left. */
    private void signal(String sig) {
        ProcessGroup.signal(handle, sig);
    }

    /** The program's path, or null when it is not an executable here (PATH search without a slash). */
    static String findable(String program, String path) {
        return ProcessGroup.executable(program, path);
    }
}
