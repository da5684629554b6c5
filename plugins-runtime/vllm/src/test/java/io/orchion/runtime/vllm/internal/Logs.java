package io.orchion.runtime.vllm.internal;

import java.util.ArrayList;
import java.util.List;

import io.orchion.api.runtime.LogSink;

/** A log sink that keeps what it is told, for assertions. */
final class Logs implements LogSink {
    final List<String> lines = new ArrayList<>();
    final List<String> statuses = new ArrayList<>();

    @Override
    public synchronized void line(String stream, String text) {
        lines.add(stream + ": " + text);
    }

    @Override
    public synchronized void status(String message) {
        statuses.add(message);
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    synchronized List<String> statuses() {
        return List.copyOf(statuses);
    }
}
