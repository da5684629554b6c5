package io.orchion.rest.internal;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.InvalidProtocolBufferException;

import io.orchion.api.log.JobLogs;
import io.orchion.api.log.LogChunk;
import io.orchion.api.log.LogLine;
import io.orchion.proto.v1.LogEnd;
import io.orchion.proto.v1.LogPage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /api/jobs/{id}/logs?follow=true}: a job's log as server-sent events, pulled from
 * {@link JobLogs}: the next chunk is read only when the previous one has been written to the
 * client, so a slow follower holds at most one chunk and never slows the job.
 */
final class LogFollower implements SseStream.Listener {
    private static final int CHUNK = 200;
    private static final ScheduledExecutorService POOL = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "orchion-log-follow");
        t.setDaemon(true);
        return t;
    });

    private final JobLogs logs;
    private final String jobId;
    private long after;
    private int tail;
    private SseStream stream;
    private boolean waiting;
    private ScheduledFuture<?> keepAlive;

    private LogFollower(JobLogs logs, String jobId, long after, int tail) {
        this.logs = logs;
        this.jobId = jobId;
        this.after = after;
        this.tail = tail;
    }

    static void start(HttpServletRequest req, HttpServletResponse resp, JobLogs logs, String jobId, long after, int tail)
            throws IOException {
        LogFollower f = new LogFollower(logs, jobId, after, tail);
        synchronized (f) {
            f.stream = SseStream.open(req, resp, CHUNK + 2, f, "");
            f.keepAlive = POOL.scheduleWithFixedDelay(() -> f.stream.offer(": keep-alive\n\n"),
                    EventsServlet.KEEP_ALIVE_S, EventsServlet.KEEP_ALIVE_S, TimeUnit.SECONDS);
        }
    }

    static LogPage page(LogChunk c) throws InvalidProtocolBufferException {
        LogPage.Builder p = LogPage.newBuilder().setFirstSeq(c.firstSeq()).setLastSeq(c.lastSeq()).setEnded(c.ended());
        c.lines().forEach(l -> p.addLines(line(l)));
        return p.build();
    }

    static io.orchion.proto.v1.LogLine line(LogLine l) {
        return io.orchion.proto.v1.LogLine.newBuilder().setSeq(l.seq()).setAtUnixMs(l.at().toEpochMilli())
                .setRunId(l.runId()).setStream(l.stream()).setText(l.text()).build();
    }

    @Override
    public void drained(SseStream s) {
        synchronized (this) {
            if (waiting || stream == null) {
                return;
            }
            waiting = true;
        }
        POOL.execute(this::next);
    }

    @Override
    public void closed(SseStream s) {
        ScheduledFuture<?> k;
        synchronized (this) {
            k = keepAlive;
        }
        if (k != null) {
            k.cancel(false);
        }
    }

    /** Reads the next chunk and queues it; waits on {@link JobLogs#more} when there is nothing new. */
    private void next() {
        try {
            if (stream.isClosed()) {
                return;
            }
            LogChunk chunk;
            synchronized (this) {
                chunk = tail > 0 ? logs.tail(jobId, tail) : logs.read(jobId, after, CHUNK);
                tail = 0;
            }
            if (!chunk.lines().isEmpty()) {
                for (LogLine l : chunk.lines()) {
                    synchronized (this) {
                        after = Math.max(after, l.seq());
                    }
                    stream.offer(SseStream.frame(l.seq(), "line", Json.print(line(l))));
                }
                synchronized (this) {
                    waiting = false;
                }
                // the stream calls drained() again once these are written, unless that happened already
                if (stream.queued() == 0) {
                    drained(stream);
                }
                return;
            }
            if (chunk.ended() && after >= chunk.lastSeq()) {
                stream.offer(SseStream.frame(after, "end", Json.print(LogEnd.newBuilder().setLastSeq(chunk.lastSeq()))));
                stream.finish();
                return;
            }
            CompletableFuture<Boolean> more = logs.more(jobId, after);
            more.whenComplete((r, e) -> {
                synchronized (this) {
                    waiting = false;
                }
                if (e != null) {
                    stream.close();
                } else {
                    drained(stream);
                }
            });
        } catch (RuntimeException | InvalidProtocolBufferException e) {
            stream.close();
        }
    }
}
