package io.orchion.runtime.vllm.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.orchion.api.runtime.RunUsage;

/**
 * CPU and resident memory of a process tree: CPU time from the JDK's process handles, RSS from
 * {@code /proc/PID/status}. Null where {@code /proc} is missing (not Linux).
 */
final class ProcUsage {
    private static final Path PROC = Path.of("/proc");

    private final ProcessHandle root;
    private long lastNanos;
    private long lastCpuNanos = -1;

    ProcUsage(ProcessHandle root) {
        this.root = root;
    }

    synchronized RunUsage sample() {
        if (!Files.isDirectory(PROC) || !root.isAlive()) {
            return null;
        }
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(root);
        tree.addAll(root.descendants().toList());
        long cpu = 0;
        long rss = 0;
        for (ProcessHandle p : tree) {
            cpu += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
            rss += rssBytes(p.pid());
        }
        long now = System.nanoTime();
        double cores = 0;
        if (lastCpuNanos >= 0 && now > lastNanos) {
            cores = Math.max(0, cpu - lastCpuNanos) / (double) (now - lastNanos);
        } else {
            // first sample: the average since the server started
            long age = root.info().startInstant().map(s -> Duration.between(s, java.time.Instant.now()).toNanos())
                    .orElse(0L);
            cores = age > 0 ? cpu / (double) age : 0;
        }
        lastNanos = now;
        lastCpuNanos = cpu;
        return new RunUsage(cores, rss);
    }

    static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile
        }
        return 0;
    }
}
