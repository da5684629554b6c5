package io.orchion.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One Orchion process of the built distribution, with its output in a file. */
final class Proc implements AutoCloseable {
    static final Path DIST = Path.of(System.getProperty("orchion.dist", "distro/target/orchion")).toAbsolutePath().normalize();

    final Process process;
    final Path log;
    final long startedNanos;

    Proc(Path dir, String profile, List<String> args) throws IOException {
        Files.createDirectories(dir);
        log = dir.resolve("output.log");
        List<String> cmd = new ArrayList<>(List.of(DIST.resolve("bin/orchion").toString(), profile, "--data",
                dir.resolve("data").toString(), "--conf", dir.resolve("conf").toString(), "--bundles",
                dir.resolve("bundles").toString()));
        cmd.addAll(args);
        startedNanos = System.nanoTime();
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Milliseconds from process start until the output contains the text; -1 on timeout. */
    long awaitMillis(String text, long timeoutMs) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < end) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
            }
            Thread.sleep(5);
        }
        return -1;
    }

    /** A number the output reports, e.g. the agent's "(1234 ms after launch)". */
    long reported(Pattern p) throws IOException {
        Matcher m = p.matcher(Files.readString(log));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Resident memory of the JVM (bin/orchion execs java, so the pid is the JVM's). */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
