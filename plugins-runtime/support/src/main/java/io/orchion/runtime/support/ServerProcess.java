package io.orchion.runtime.support;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunUsage;

/**
 * A model server as a process of this node ({@code vllm serve ...}, {@code llama-server ...}) in a
 * session of its own ({@code setsid}), so a stop signals its whole process group (engine and worker
 * processes included). Its output goes to files in the run's state folder and is followed from
 * there, so the server does not die of a broken pipe when the agent restarts, and a restarted agent
 * follows it again.
 */
public final class ServerProcess implements ServerRun.Backend {
    /** The server's standard output, in the run's state folder. */
    public static final String STDOUT = "server.out";
    /** The server's standard error, in the run's state folder. */
    public static final String STDERR = "server.err";
    private static final int TAIL_LINES = 15;

    private final ProcessHandle handle;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final RecentLines last = new RecentLines(TAIL_LINES);
    private final List<Thread> followers = new ArrayList<>();
    private final ProcessTreeUsage usage;
    private volatile boolean gone;

    private ServerProcess(ProcessHandle handle, Path dir, boolean fromEnd, LogSink logs) {
        this.handle = handle;
        this.usage = new ProcessTreeUsage(handle);
        LogSink recording = last.recording(logs);
        followers.add(follow(dir.resolve(STDOUT), "stdout", fromEnd, recording));
        followers.add(follow(dir.resolve(STDERR), "stderr", fromEnd, recording));
    }

    /**
     * Starts the server; refuses when the command cannot run here, naming {@code field} (the setting
     * that chose the command) and adding {@code hint} (what the operator can do about it).
     */
    public static ServerProcess start(List<String> argv, String runId, String jobName, List<Integer> gpus,
            Map<String, String> env, Path dir, LogSink logs, String field, String hint) {
        String program = argv.get(0);
        String notRunnable = ProcessGroup.notRunnable(program, System.getenv("PATH"));
        if (notRunnable != null) {
            throw new InvalidArgumentException(field, notRunnable + " (" + hint + ")");
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
            throw new InvalidArgumentException(field, "cannot start '" + program + "': "
                    + ProcessGroup.startFailure(e));
        }
        ServerProcess server = new ServerProcess(p.toHandle(), dir, false, logs);
        p.onExit().thenAccept(done -> server.ended(done.exitValue()));
        return server;
    }

    /** Records the process ({@code pid}, {@code started}) in a run's state for {@link #recover(Properties, Path, LogSink)}. */
    public void record(Properties state) {
        state.setProperty("pid", String.valueOf(handle.pid()));
        state.setProperty("started", String.valueOf(ProcessGroup.startedMillis(handle)));
    }

    /** The server {@link #record recorded} in {@code state}, if it still runs, followed from the end of its output. */
    public static Optional<ServerProcess> recover(Properties state, Path dir, LogSink logs) {
        return recover(Long.parseLong(state.getProperty("pid")), Long.parseLong(state.getProperty("started")), dir, logs);
    }

    /** The server a pid file names, if it still runs (the same process: its start time matches). */
    public static Optional<ServerProcess> recover(long pid, long startedMillis, Path dir, LogSink logs) {
        return ProcessGroup.find(pid, startedMillis).map(handle -> {
            ServerProcess server = new ServerProcess(handle, dir, true, logs);
            handle.onExit().thenAccept(done -> server.ended(-1));
            return server;
        });
    }

    /** The server's process, the leader of its group. */
    public ProcessHandle handle() {
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
        }, "orchion-server-" + stream);
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
