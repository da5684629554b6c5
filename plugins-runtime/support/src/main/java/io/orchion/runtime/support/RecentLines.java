package io.orchion.runtime.support;

import java.util.ArrayDeque;
import java.util.Deque;

import io.orchion.api.runtime.LogSink;

/**
 * The last few lines of a run's output, kept to explain why it failed ("exited with code 1 before
 * answering /health; last output: ...") without reading its log back. Bounded: the oldest line
 * goes when a new one comes. Thread-safe.
 */
public final class RecentLines {
    private final int max;
    private final Deque<String> lines = new ArrayDeque<>();

    /** Keeps the last {@code max} lines. */
    public RecentLines(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, not " + max);
        }
        this.max = max;
    }

    public synchronized void add(String line) {
        lines.addLast(line);
        if (lines.size() > max) {
            lines.removeFirst();
        }
    }

    /** The lines kept, oldest first, joined by newlines; empty when there are none. */
    public synchronized String text() {
        return String.join("\n", lines);
    }

    /** A sink that keeps each line here and hands everything on to {@code logs}. */
    public LogSink recording(LogSink logs) {
        return new LogSink() {
            @Override
            public void line(String stream, String text) {
                add(text);
                logs.line(stream, text);
            }

            @Override
            public void progress(String activity, long done, long total) {
                logs.progress(activity, done, total);
            }

            @Override
            public void status(String message) {
                logs.status(message);
            }
        };
    }
}
