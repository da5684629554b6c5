package io.orchion.runtime.llamacpp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code llama-server --version} says, e.g. {@code version: 4567 (abcdef12)} (on stderr, after
 * what the backends print while they load). Asked once per executable file (its path, size and
 * modification time): the fingerprint is taken every few seconds and the answer does not change
 * until the file does. The wait is bounded: a binary that hangs is killed.
 */
final class ServerVersion {
    private static final Pattern VERSION = Pattern.compile("(?m)^\\s*version:\\s*(\\S.*?)\\s*$");
    /** The most of its output read: a version line is short. */
    private static final int MAX_OUTPUT = 64 << 10;

    private final Duration wait;
    private String key;
    private String version;

    ServerVersion(Duration wait) {
        this.wait = wait;
    }

    /**
     * The version of {@code command} (its executable found at {@code path}), e.g. {@code 4567 (abcdef12)}.
     *
     * @throws IOException when it cannot run, says nothing in time, or prints no version line
     */
    synchronized String of(List<String> command, String path) throws IOException {
        Path file = Path.of(path);
        String now = path + ":" + Files.size(file) + ":" + Files.getLastModifiedTime(file).toMillis() + ":" + command;
        if (!now.equals(key)) {
            version = ask(command);
            key = now;
        }
        return version;
    }

    private String ask(List<String> command) throws IOException {
        List<String> argv = new ArrayList<>(command);
        argv.add("--version");
        Path out = Files.createTempFile("orchion-llama-version-", ".txt");
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            try {
                if (!p.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IOException("'" + String.join(" ", argv) + "' did not answer within " + wait.toSeconds() + "s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while asking for the version");
            }
            String text;
            try (InputStream in = Files.newInputStream(out)) {
                text = new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8);
            }
            String v = parse(text);
            if (v == null) {
                throw new IOException("'" + String.join(" ", argv) + "' printed no version line (exit code "
                        + p.exitValue() + ")");
            }
            return v;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** The version in {@code --version}'s output ("version: 4567 (abcdef12)" gives "4567 (abcdef12)"); null when none. */
    static String parse(String output) {
        Matcher m = VERSION.matcher(output);
        return m.find() ? m.group(1) : null;
    }
}
