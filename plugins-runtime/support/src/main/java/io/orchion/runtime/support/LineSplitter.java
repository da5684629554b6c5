package io.orchion.runtime.support;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits output that arrives in pieces not aligned to lines (pipe reads, file reads, the engine's
 * frames, a model's streamed tokens) into lines: a line ends at {@code \n}, a {@code \r} before it
 * is dropped, and a line longer than the limit is handed on in pieces of that length, so one run
 * without newlines cannot fill the agent's heap. Bytes are read as UTF-8.
 *
 * <p>Not thread-safe: one splitter per stream, fed by one thread at a time.
 */
public final class LineSplitter {
    /** The longest line handed on in one piece: 1 MiB. */
    public static final int MAX_LINE = 1 << 20;

    private final int maxLine;
    private final Consumer<String> lines;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    /** Lines up to {@link #MAX_LINE} bytes, each handed to {@code lines}. */
    public LineSplitter(Consumer<String> lines) {
        this(MAX_LINE, lines);
    }

    public LineSplitter(int maxLine, Consumer<String> lines) {
        if (maxLine < 1) {
            throw new IllegalArgumentException("maxLine must be at least 1, not " + maxLine);
        }
        this.maxLine = maxLine;
        this.lines = lines;
    }

    /** Takes {@code n} more bytes from {@code b}, handing on each line they complete. */
    public void write(byte[] b, int off, int n) {
        int start = off;
        int end = off + n;
        for (int i = off; i < end; i++) {
            if (b[i] == '\n') {
                line.write(b, start, i - start);
                emit();
                start = i + 1;
            } else if (line.size() + (i - start) >= maxLine) {
                line.write(b, start, i - start);
                emit();
                start = i;
            }
        }
        line.write(b, start, end - start);
    }

    /** Takes a piece of text (a streamed answer's next tokens). */
    public void write(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        write(b, 0, b.length);
    }

    /** Whether part of a line is held, waiting for its end. */
    public boolean pending() {
        return line.size() > 0;
    }

    /** Hands on the part of a line held (the output ended without a newline), if any. */
    public void flush() {
        if (line.size() > 0) {
            emit();
        }
    }

    private void emit() {
        int len = line.size();
        byte[] b = line.toByteArray();
        if (len > 0 && b[len - 1] == '\r') {
            len--;
        }
        lines.accept(new String(b, 0, len, StandardCharsets.UTF_8));
        line.reset();
    }
}
