package io.orchion.runtime.process.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import io.orchion.api.runtime.LogSink;

/**
 * Follows a run's output file line by line while the run writes it, and to its end once the run
 * has exited. The run writes to a file rather than a pipe so it survives an agent restart (a pipe
 * would break, and the run with it); a restarted agent follows the file again from its start, and
 * the orchestrator skips the lines it already has. Lines longer than {@link #MAX_LINE} are split.
 */
final class Tail {
    static final int MAX_LINE = 1 << 20;

    private Tail() {
    }

    /** Completes when the file has been read to its end after {@code running} turned false. */
    static CompletableFuture<Void> follow(Path file, String stream, LogSink sink, BooleanSupplier running, String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                run(file, stream, sink, running);
            } catch (IOException | RuntimeException e) {
                // the file went away: nothing more to read
            } finally {
                done.complete(null);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return done;
    }

    private static void run(Path file, String stream, LogSink sink, BooleanSupplier running) throws IOException {
        long idleSleep = 1;
        while (!Files.exists(file)) {
            if (!running.getAsBoolean()) {
                return;
            }
            sleep(10);
        }
        byte[] buf = new byte[64 * 1024];
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                int n = in.read(buf);
                if (n > 0) {
                    idleSleep = 1;
                    int start = 0;
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == '\n') {
                            line.write(buf, start, i - start);
                            emit(line, stream, sink);
                            start = i + 1;
                        } else if (line.size() + (i - start) >= MAX_LINE) {
                            line.write(buf, start, i - start);
                            emit(line, stream, sink);
                            start = i;
                        }
                    }
                    line.write(buf, start, n - start);
                    continue;
                }
                // at the end of what was written so far
                boolean alive = running.getAsBoolean();
                if (!alive) {
                    // one more read: the run may have written its last bytes just before exiting
                    int last = in.read(buf);
                    if (last > 0) {
                        int start = 0;
                        for (int i = 0; i < last; i++) {
                            if (buf[i] == '\n') {
                                line.write(buf, start, i - start);
                                emit(line, stream, sink);
                                start = i + 1;
                            }
                        }
                        line.write(buf, start, last - start);
                        continue;
                    }
                    if (line.size() > 0) {
                        emit(line, stream, sink);
                    }
                    return;
                }
                sleep(idleSleep);
                idleSleep = Math.min(50, idleSleep * 2);
            }
        }
    }

    private static void emit(ByteArrayOutputStream line, String stream, LogSink sink) {
        int len = line.size();
        byte[] b = line.toByteArray();
        if (len > 0 && b[len - 1] == '\r') {
            len--;
        }
        sink.line(stream, new String(b, 0, len, StandardCharsets.UTF_8));
        line.reset();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
