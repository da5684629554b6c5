package io.orchion.runtime.process.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a process's resident memory from Linux's /proc; 0 elsewhere or when it is gone. */
final class Procfs {
    private static final long PAGE = 4096;

    private Procfs() {
    }

    static long rssBytes(long pid) {
        try {
            String[] f = Files.readString(Path.of("/proc", Long.toString(pid), "statm")).trim().split("\\s+");
            return f.length > 1 ? Long.parseLong(f[1]) * PAGE : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
