package io.orchion.runtime.support;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.orchion.api.runtime.LogSink;

/**
 * The progress of a download made of layers (an image pull, a model pull): each layer reports its
 * own bytes, the job sees the sum over the layers seen so far. Reports may be spaced out, so a
 * chatty pull does not flood the job's log; a layer that completes is always reported.
 *
 * <p>Not thread-safe: fed by the one thread that reads the pull's answer.
 */
public final class PullProgress {
    private final String activity;
    private final LogSink logs;
    private final long everyNanos;
    private final Map<String, long[]> layers = new LinkedHashMap<>();
    private long lastReport;
    private boolean reported;

    /**
     * @param activity what the job's progress is called, e.g. "pull busybox:1"
     * @param every    the least time between two reports; zero reports every change
     */
    public PullProgress(String activity, LogSink logs, Duration every) {
        this.activity = activity;
        this.logs = logs;
        this.everyNanos = every.toNanos();
    }

    /** Layer {@code id} has {@code done} of its {@code total} bytes. */
    public void layer(String id, long done, long total) {
        layers.put(id, new long[] { done, total });
        long now = System.nanoTime();
        if (!reported || now - lastReport >= everyNanos || done >= total) {
            reported = true;
            lastReport = now;
            long d = 0;
            long t = 0;
            for (long[] l : layers.values()) {
                d += l[0];
                t += l[1];
            }
            logs.progress(activity, d, t);
        }
    }

    /** The size of every layer seen, in bytes. */
    public long totalBytes() {
        return layers.values().stream().mapToLong(l -> l[1]).sum();
    }

    /** The pull is complete: reports all of it done. */
    public void finished() {
        long total = totalBytes();
        logs.progress(activity, total, total);
    }
}
