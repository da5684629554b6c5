package io.orchion.runtime.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Running a program as the leader of its own process group and signalling the whole group, so a
 * stop reaches everything a run started: children, grandchildren and what they put in the
 * background. Linux-first: {@code setsid} starts the session; without it, signals reach the
 * process and its descendants only.
 */
public final class ProcessGroup {
    /** The setsid executable, or null where there is none. */
    public static final String SETSID = find("setsid", "/usr/bin:/bin:/usr/sbin");
    /** How far a process's start time may be from the one recorded and still be the same process. */
    private static final long SAME_START_MS = 2000;

    private ProcessGroup() {
    }

    /** {@code command} started through setsid (where there is one), so it leads a group of its own. */
    public static List<String> leaderArgv(List<String> command) {
        List<String> argv = new ArrayList<>();
        if (SETSID != null) {
            argv.add(SETSID);
        }
        argv.addAll(command);
        return argv;
    }

    /**
     * Where a program is: itself when it names a path (and is an executable file), else the first
     * executable file of that name on {@code path}; null when there is none.
     */
    public static String executable(String program, String path) {
        if (program.contains("/")) {
            Path p = Path.of(program);
            return Files.isExecutable(p) && !Files.isDirectory(p) ? program : null;
        }
        return find(program, path == null ? "/usr/bin:/bin" : path);
    }

    /**
     * Why {@code program} cannot run on this node ("'x' is not found on the PATH of this node"), or
     * null when it can: checked before a start, since setsid would only exit 127.
     */
    public static String notRunnable(String program, String path) {
        if (executable(program, path) != null) {
            return null;
        }
        return "'" + program + "' is not " + (program.contains("/") ? "an executable file" : "found on the PATH")
                + " of this node";
    }

    /** Why a start failed, without the JDK's "Cannot run program ..." preamble. */
    public static String startFailure(IOException e) {
        return String.valueOf(e.getMessage())
                .replaceFirst("^Cannot run program \"[^\"]*\"(?: \\(in directory \"[^\"]*\"\\))?: ", "");
    }

    /**
     * What every run's process finds in its environment: its run id and job name
     * ({@code ORCHION_RUN_ID}, {@code ORCHION_JOB_NAME}) and only its reserved GPUs.
     */
    public static void runEnvironment(Map<String, String> environment, String runId, String jobName,
            List<Integer> gpuIndices) {
        visibleGpus(environment, gpuIndices);
        environment.put("ORCHION_RUN_ID", runId);
        environment.put("ORCHION_JOB_NAME", jobName);
    }

    /**
     * Makes only the reserved GPUs visible to a process (CUDA and ROCm read these variables); an
     * empty list leaves the environment as it is.
     */
    public static void visibleGpus(Map<String, String> environment, List<Integer> gpuIndices) {
        if (gpuIndices.isEmpty()) {
            return;
        }
        String gpus = gpuIndices.stream().map(String::valueOf).collect(Collectors.joining(","));
        environment.put("CUDA_VISIBLE_DEVICES", gpus);
        environment.put("HIP_VISIBLE_DEVICES", gpus);
    }

    /** When {@code process} started, in epoch milliseconds (now, where the system does not say). */
    public static long startedMillis(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(System.currentTimeMillis());
    }

    /**
     * The live process {@code pid} if it is the one that started at {@code startedMillis}: after an
     * agent restart the pid may belong to another process by now.
     */
    public static Optional<ProcessHandle> find(long pid, long startedMillis) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> p.info().startInstant()
                .map(s -> Math.abs(s.toEpochMilli() - startedMillis) < SAME_START_MS).orElse(false));
    }

    /**
     * Sends {@code sig} (TERM or KILL) to the whole group that {@code leader} leads (setsid made it
     * the leader), then to every descendant left, so children that left the group go too.
     */
    public static void signal(ProcessHandle leader, String sig) {
        List<ProcessHandle> tree = leader.descendants().toList();
        if (SETSID != null) {
            try {
                new ProcessBuilder("kill", "-s", sig, "--", "-" + leader.pid()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
            } catch (IOException e) {
                // no kill(1): the handles below still reach the tree
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        boolean force = sig.equals("KILL");
        for (ProcessHandle p : tree) {
            if (force) {
                p.destroyForcibly();
            } else {
                p.destroy();
            }
        }
        if (force) {
            leader.destroyForcibly();
        } else {
            leader.destroy();
        }
    }

    /**
     * Stops the group: TERM now, and KILL after {@code grace} if the leader or any descendant is
     * still alive then.
     */
    public static void stop(ProcessHandle leader, Duration grace) {
        signal(leader, "TERM");
        CompletableFuture.delayedExecutor(Math.max(0, grace.toMillis()), TimeUnit.MILLISECONDS).execute(() -> {
            if (leader.isAlive() || leader.descendants().anyMatch(ProcessHandle::isAlive)) {
                signal(leader, "KILL");
            }
        });
    }

    private static String find(String program, String path) {
        for (String dir : path.split(File.pathSeparator)) {
            Path p = dir.isEmpty() ? null : Path.of(dir, program);
            if (p != null && Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
