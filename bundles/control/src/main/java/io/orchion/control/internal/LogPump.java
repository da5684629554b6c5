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
    private static final int CHUNK = 5000;

    private final JobLogs logs;
    private final String jobId;
    private final boolean follow;
    private final ServerCallStreamObserver<io.orchion.proto.v1.LogLines> out;
    private long after;
    private boolean waiting;
    private boolean done;
    private volatile boolean cancelled;

    LogPump(JobLogs logs, StreamLogsRequest request, ServerCallStreamObserver<io.orchion.proto.v1.LogLines> out) {
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
                var batch = io.orchion.proto.v1.LogLines.newBuilder();
                long firstSeq = c.lines().get(0).seq();
                if (firstSeq > after + 1) {
                    batch.setSkipped(firstSeq - after - 1); // fell to retention before this follower read them
                }
                for (LogLine l : c.lines()) {
                    batch.addLines(io.orchion.proto.v1.LogLine.newBuilder().setSeq(l.seq())
                            .setAtUnixMs(l.at() == null ? 0 : l.at().toEpochMilli()).setRunId(l.runId())
                            .setStream(l.stream()).setText(l.text()));
                    after = l.seq();
                }
                out.onNext(batch.build());
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
