package io.orchion.runtime.vllm.internal;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunUsage;
import io.orchion.runtime.support.LineSplitter;
import io.orchion.runtime.support.ProcessGroup;
import io.orchion.runtime.support.ProcessTreeUsage;
import io.orchion.runtime.support.RecentLines;

/**
 * The process launcher: {@code vllm serve ...} in a session of its own ({@code setsid}), so a stop
 * signals its whole process group (vLLM's engine and worker processes included). Its output goes
 * to files in the run's state folder and is followed from there, so the server does not die of a
 * broken pipe when the agent restarts, and a restarted agent follows it again.
 */
final class ProcessServer implements ServerRun.Backend {
    static final String STDOUT = "server.out";
    static final String STDERR = "server.err";
    private static final int TAIL_LINES = 15;

    private final ProcessHandle handle;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final RecentLines last = new RecentLines(TAIL_LINES);
    private final List<Thread> followers = new ArrayList<>();
    private final ProcessTreeUsage usage;
    private volatile boolean gone;

    private ProcessServer(ProcessHandle handle, Path dir, boolean fromEnd, LogSink logs) {
        this.handle = handle;
        this.usage = new ProcessTreeUsage(handle);
        LogSink recording = last.recording(logs);
        followers.add(follow(dir.resolve(STDOUT), "stdout", fromEnd, recording));
        followers.add(follow(dir.resolve(STDERR), "stderr", fromEnd, recording));
    }

    /** Starts the server; refuses (naming the setting) when the command cannot run here. */
    static ProcessServer start(List<String> argv, String runId, String jobName, List<Integer> gpus,
            Map<String, String> env, Path dir, LogSink logs) {
        String program = argv.get(0);
        String notRunnable = ProcessGroup.notRunnable(program, System.getenv("PATH"));
        if (notRunnable != null) {
            throw new InvalidArgumentException("vllm.command", notRunnable
                    + " (install vLLM, set the command in io.orchion.runtime.vllm.cfg, or use launcher: container)");
        }
        ProcessBuilder pb = new ProcessBuilder(ProcessGroup.leaderArgv(argv));
        pb.environment().putAll(env);
        ProcessGroup.runEnvironment(pb.environment(), runId, jobName, gpus);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(STDOUT).toFile()));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve(STDERR).toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new InvalidArgumentException("vllm.command", "cannot start '" + program + "': "
                    + ProcessGroup.startFailure(e));
        }
        ProcessServer server = new ProcessServer(p.toHandle(), dir, false, logs);
        p.onExit().thenAccept(done -> server.ended(done.exitValue()));
        return server;
    }

    /** The server a pid file names, if it still runs (the same process: its start time matches). */
    static Optional<ProcessServer> recover(long pid, long startedMillis, Path dir, LogSink logs) {
        return ProcessGroup.find(pid, startedMillis).map(handle -> {
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
            LineSplitter lines = new LineSplitter(line -> logs.line(stream, line));
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                long pos = fromEnd ? f.length() : 0;
                byte[] buf = new byte[8192];
                while (true) {
                    boolean wasGone = gone;
                    f.seek(pos);
                    int n;
                    boolean read = false;
                    while ((n = f.read(buf)) > 0) {
                        lines.write(buf, 0, n);
                        pos += n;
                        read = true;
                    }
                    if (wasGone && !read) {
                        lines.flush();
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

    @Override
    public String lastOutput() {
        return last.text();
    }

    @Override
    public CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    @Override
    public RunUsage usage() {
        return usage.sample();
    }

    /** The whole process group (setsid made the server its leader), then any descendant left. */
    @Override
    public void stop(Duration grace) {
        ProcessGroup.stop(handle, grace);
    }
}
