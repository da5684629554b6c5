package io.orchion.control.internal;

import io.grpc.stub.ServerCallStreamObserver;
import io.orchion.api.log.JobLogs;
import io.orchion.api.log.LogChunk;
import io.orchion.api.log.LogLine;
import io.orchion.proto.v1.StreamLogsRequest;

/**
 * Streams one job's log to one gRPC client at the client's pace: it reads from the store only
 * while the transport is ready (gRPC flow control), and when it has caught up it waits on
 * {@link JobLogs#more}. It holds at most one chunk, so a slow client costs no memory and never
 * slows the job.
 */
final class LogPump {
    private static final int CHUNK = 1000;

    private final JobLogs logs;
    private final String jobId;
    private final boolean follow;
    private final ServerCallStreamObserver<io.orchion.proto.v1.LogLine> out;
    private long after;
    private boolean waiting;
    private boolean done;
    private volatile boolean cancelled;

    LogPump(JobLogs logs, StreamLogsRequest request, ServerCallStreamObserver<io.orchion.proto.v1.LogLine> out) {
        this.logs = logs;
        this.jobId = request.getJobId();
        this.follow = request.getFollow();
        this.out = out;
        if (request.getTail() > 0) {
            LogChunk tail = logs.tail(jobId, request.getTail());
            this.after = tail.lines().isEmpty() ? tail.lastSeq() : tail.lines().get(0).seq() - 1;
        } else {
            this.after = Math.max(0, request.getAfterSeq());
        }
    }

    void start() {
        out.setOnCancelHandler(() -> cancelled = true);
        out.setOnReadyHandler(this::drain);
        drain();
    }

    private synchronized void drain() {
        if (done || waiting) {
            return;
        }
        try {
            while (!cancelled && out.isReady()) {
                LogChunk c = logs.read(jobId, after, CHUNK);
                if (c.lines().isEmpty()) {
                    if (!follow || c.ended()) {
                        finish();
                        return;
                    }
                    waiting = true;
                    logs.more(jobId, after).whenComplete((more, error) -> {
                        synchronized (this) {
                            waiting = false;
                        }
                        drain();
                    });
                    return;
                }
                for (LogLine l : c.lines()) {
                    out.onNext(io.orchion.proto.v1.LogLine.newBuilder().setSeq(l.seq())
                            .setAtUnixMs(l.at() == null ? 0 : l.at().toEpochMilli()).setRunId(l.runId())
                            .setStream(l.stream()).setText(l.text()).build());
                    after = l.seq();
                }
            }
        } catch (RuntimeException e) {
            if (!cancelled && !done) {
                done = true;
                out.onError(Calls.toStatus(e));
            }
        }
    }

    private void finish() {
        done = true;
        if (!cancelled) {
            out.onCompleted();
        }
    }
}
