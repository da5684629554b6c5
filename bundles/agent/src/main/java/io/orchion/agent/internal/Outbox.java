package io.orchion.agent.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import io.orchion.proto.v1.AgentMessage;
import io.orchion.proto.v1.LogBatch;
import io.orchion.proto.v1.LogEntry;

/**
 * What the agent has to tell the orchestrator, in order: run updates and runs' output lines. Lines
 * are numbered per run and kept until the orchestrator acknowledges them; after a reconnect the
 * unacknowledged ones are sent again first (the orchestrator skips duplicates), so no line is lost
 * or reordered across a broken stream.
 *
 * <p>The buffer is bounded ({@code maxBytes} over unsent and unacknowledged lines). When it is full
 * while connected, the writing run waits (backpressure: its output pipe fills and it slows down);
 * while disconnected, new lines are dropped and counted, and a line saying how many were dropped
 * takes their place when there is room again.
 */
final class Outbox {
    static final int BATCH_LINES = 4096;
    static final int BATCH_BYTES = 512 * 1024;
    private static final long WAIT_FULL_MS = 30_000;

    /** A line of a run's output, as the agent read it. */
    record Line(long seq, long atMs, String stream, String text) {
        long bytes() {
            return text.length() + 40L;
        }
    }

    /** One run's lines: not yet sent, and sent but not yet acknowledged. */
    static final class RunLog {
        final String jobId;
        final String runId;
        final Deque<Line> unsent = new ArrayDeque<>();
        final Deque<Line> unacked = new ArrayDeque<>();
        long nextSeq = 1;
        long dropped;
        boolean finished;

        RunLog(String jobId, String runId) {
            this.jobId = jobId;
            this.runId = runId;
        }
    }

    /** A queue entry: an update to send, or the next {@code count} unsent lines of a run. */
    private static final class Entry {
        final AgentMessage message;
        final RunLog run;
        int count;

        Entry(AgentMessage message, RunLog run, int count) {
            this.message = message;
            this.run = run;
            this.count = count;
        }
    }

    private final long maxBytes;
    private final Consumer<String> runDone;
    private final Deque<Entry> queue = new ArrayDeque<>();
    private final Map<String, RunLog> runs = new HashMap<>();
    private long bytes;
    private boolean connected;
    private long droppedTotal;
    private volatile Runnable kick = () -> {
    };
    private boolean kickPending;

    /** What makes the connection drain the outbox soon (set once the connection exists). */
    void onWork(Runnable kick) {
        this.kick = kick;
    }

    /**
     * @param maxBytes bound on buffered lines
     * @param runDone  told (outside the lock) when a finished run's lines are all acknowledged
     */
    Outbox(long maxBytes, Consumer<String> runDone) {
        this.maxBytes = maxBytes;
        this.runDone = runDone;
    }

    /** Appends a line of a run's output; may wait while the buffer is full and the stream is up. */
    void line(String jobId, String runId, String stream, String text) {
        long at = System.currentTimeMillis();
        boolean wake;
        synchronized (this) {
            RunLog run = runs.get(runId);
            if (run == null) {
                run = new RunLog(jobId, runId);
                runs.put(runId, run);
            }
            Line probe = new Line(0, at, stream, text);
            long deadline = bytes + probe.bytes() > maxBytes ? System.currentTimeMillis() + WAIT_FULL_MS : 0;
            while (bytes + probe.bytes() > maxBytes && connected && System.currentTimeMillis() < deadline) {
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (bytes + probe.bytes() > maxBytes) {
                run.dropped++;
                droppedTotal++;
                return;
            }
            if (run.dropped > 0) {
                add(run, new Line(run.nextSeq++, at, "orchion", "[orchion] " + run.dropped
                        + " lines dropped: the agent's log buffer was full while the orchestrator was unreachable"));
                run.dropped = 0;
            }
            add(run, new Line(run.nextSeq++, at, stream, text));
            wake = !kickPending;
            kickPending = true;
        }
        if (wake) {
            kick.run();
        }
    }

    private void add(RunLog run, Line l) {
        run.unsent.addLast(l);
        bytes += l.bytes();
        Entry last = queue.peekLast();
        if (last != null && last.run == run) {
            last.count++;
        } else {
            queue.addLast(new Entry(null, run, 1));
        }
    }

    /** Queues an update; it is sent after every line of its run queued before it. */
    synchronized void update(AgentMessage m) {
        queue.addLast(new Entry(m, null, 0));
    }

    /** The run has ended and its final update is queued: its lines can be forgotten once acknowledged. */
    void finished(String runId) {
        boolean done;
        synchronized (this) {
            RunLog run = runs.get(runId);
            if (run == null) {
                done = true;
            } else {
                run.finished = true;
                done = settled(run);
            }
        }
        if (done) {
            runDone.accept(runId);
        }
    }

    private boolean settled(RunLog run) {
        if (run.finished && run.unsent.isEmpty() && run.unacked.isEmpty()) {
            runs.remove(run.runId);
            return true;
        }
        return false;
    }

    /** The orchestrator stored every line of the run up to {@code seq}. */
    void ack(String runId, long seq) {
        boolean done = false;
        synchronized (this) {
            RunLog run = runs.get(runId);
            if (run != null) {
                while (!run.unacked.isEmpty() && run.unacked.peekFirst().seq() <= seq) {
                    bytes -= run.unacked.removeFirst().bytes();
                }
                done = settled(run);
                notifyAll();
            }
        }
        if (done) {
            runDone.accept(runId);
        }
    }

    /** The stream is up (after a welcome): unacknowledged lines go again, first. */
    synchronized void connected() {
        connected = true;
        List<Entry> resend = new ArrayList<>();
        for (RunLog run : runs.values()) {
            if (!run.unacked.isEmpty()) {
                int n = run.unacked.size();
                Iterator<Line> back = run.unacked.descendingIterator();
                while (back.hasNext()) {
                    run.unsent.addFirst(back.next());
                }
                run.unacked.clear();
                resend.add(new Entry(null, run, n));
            }
        }
        for (int i = resend.size() - 1; i >= 0; i--) {
            queue.addFirst(resend.get(i));
        }
        notifyAll();
    }

    synchronized void disconnected() {
        connected = false;
        notifyAll();
    }

    /**
     * Sends in order while the transport is ready. Called on the connection's thread only. Each
     * message is taken from the queue under the lock and sent outside it, so the runs writing
     * lines never wait for a batch to be serialized.
     */
    void drain(BooleanSupplier ready, Consumer<AgentMessage> send) {
        synchronized (this) {
            kickPending = false;
        }
        while (ready.getAsBoolean()) {
            Object next = next();
            if (next == null) {
                return;
            }
            send.accept(next instanceof Batch b ? b.message() : (AgentMessage) next);
        }
    }

    /** Lines of one run taken for sending; the message is built outside the lock. */
    private record Batch(String jobId, String runId, List<Line> lines) {
        AgentMessage message() {
            LogBatch.Builder b = LogBatch.newBuilder().setJobId(jobId).setRunId(runId);
            for (Line l : lines) {
                b.addEntries(LogEntry.newBuilder().setSeq(l.seq()).setAtUnixMs(l.atMs()).setStream(l.stream())
                        .setText(l.text()));
            }
            return AgentMessage.newBuilder().setLogs(b).build();
        }
    }

    /** The next update, or batch of one run's lines (moved to unacknowledged), in order; null if none. */
    private synchronized Object next() {
        while (!queue.isEmpty()) {
            Entry e = queue.peekFirst();
            if (e.message != null) {
                queue.removeFirst();
                return e.message;
            }
            RunLog run = e.run;
            List<Line> lines = new ArrayList<>(Math.min(e.count, BATCH_LINES));
            int size = 0;
            while (e.count > 0 && lines.size() < BATCH_LINES && size < BATCH_BYTES && !run.unsent.isEmpty()) {
                Line l = run.unsent.removeFirst();
                run.unacked.addLast(l);
                e.count--;
                size += l.text().length();
                lines.add(l);
            }
            if (e.count == 0 || run.unsent.isEmpty()) {
                queue.removeFirst();
            }
            if (!lines.isEmpty()) {
                return new Batch(run.jobId, run.runId, lines);
            }
        }
        return null;
    }

    synchronized long bufferedBytes() {
        return bytes;
    }

    synchronized long droppedLines() {
        return droppedTotal;
    }

    synchronized int queued() {
        return queue.size();
    }
}
