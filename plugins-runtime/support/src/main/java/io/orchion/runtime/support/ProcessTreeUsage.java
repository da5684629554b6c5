package io.orchion.runtime.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.orchion.api.runtime.RunUsage;

/**
 * CPU and resident memory of a process and all its descendants: CPU time from the JDK's process
 * handles, resident memory from Linux's {@code /proc/PID/status} (0 where there is no
 * {@code /proc}). The first sample, with no earlier one to compare, is the average since the
 * process started. Thread-safe.
 */
public final class ProcessTreeUsage {
    private static final Path PROC = Path.of("/proc");

    private final ProcessHandle root;
    private final CpuMeter meter = new CpuMeter();

    public ProcessTreeUsage(ProcessHandle root) {
        this.root = root;
    }

    /** What the tree uses now; null once the root process is gone. */
    public RunUsage sample() {
        if (!root.isAlive()) {
            return null;
        }
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(root);
        root.descendants().forEach(tree::add);
        long cpu = 0;
        long rss = 0;
        for (ProcessHandle p : tree) {
            cpu += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
            rss += rssBytes(p.pid());
        }
        long used = cpu;
        double cores = meter.cores(used, System.nanoTime()).orElseGet(() -> {
            long age = root.info().startInstant().map(s -> Duration.between(s, Instant.now()).toNanos()).orElse(0L);
            return age > 0 ? used / (double) age : 0;
        });
        return new RunUsage(cores, rss);
    }

    /** A process's resident memory in bytes; 0 when it is gone or there is no {@code /proc}. */
    public static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile, or not Linux
        }
        return 0;
    }
}
