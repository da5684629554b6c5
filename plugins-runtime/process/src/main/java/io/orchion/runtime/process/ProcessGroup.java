package io.orchion.runtime.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Running a program as the leader of its own process group and signalling the whole group: what
 * the process runtime does for a job, and what other runtimes that start local servers (vLLM)
 * reuse. Linux-first: {@code setsid} starts the session; without it, signals reach the process
 * and its descendants only.
 */
public final class ProcessGroup {
    /** The setsid executable, or null where there is none. */
    public static final String SETSID = find("setsid", "/usr/bin:/bin:/usr/sbin");

    private ProcessGroup() {
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

    private static String find(String program, String path) {
        for (String dir : path.split(File.pathSeparator)) {
            Path p = dir.isEmpty() ? null : Path.of(dir, program);
            if (p != null && Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /**
     * Sends {@code sig} (TERM or KILL) to the whole group that {@code leader} leads (setsid made it
     * the leader), then to every descendant left, so children that left the tree go too.
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
}
