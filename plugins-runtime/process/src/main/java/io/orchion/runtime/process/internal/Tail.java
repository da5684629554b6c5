package io.orchion.runtime.process.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.orchion.api.runtime.LogSink;
import io.orchion.runtime.support.LineSplitter;

/**
 * Follows a run's output file line by line while the run writes it, and to its end once the run
 * has exited. The run writes to a file rather than a pipe so it survives an agent restart (a pipe
 * would break, and the run with it); a restarted agent follows the file again from its start, and
 * the orchestrator skips the lines it already has. Lines longer than {@link LineSplitter#MAX_LINE} are split.
 *
 * <p>The file is a spool, bounded: a run can write far faster than its lines are shipped (the
 * outbox holds the reader back while the orchestrator catches up). A guard looks at each file every
 * {@link #GUARD_EVERY_MS} ms; once the part not yet read passes an eighth of the run's bound, its
 * older lines are dropped and the newest kept (see {@link #guard()}), and the reader hands on a
 * line saying about how many lines (and how many bytes) were dropped before the newest ones. Both
 * output files together stay under the bound on disk for a run writing hundreds of MB a second, as
 * long as the guard gets its turn on the CPU within a tenth of a second or so.
 */
final class Tail {
    static final long GUARD_EVERY_MS = 10;
    /** The newest unread output kept in memory when the older is dropped (the agent's heap is small). */
    static final int SALVAGE = 1 << 20;
    private static final ScheduledExecutorService GUARD = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "orchion-process-spool-guard");
        t.setDaemon(true);
        t.setPriority(Thread.MAX_PRIORITY);
        return t;
    });

    private final Path file;
    private final String stream;
    private final LogSink sink;
    private final long dropAt;
    private final BooleanSupplier running;
    /** Guards the read position and the drop count: the reader and the guard both move them. */
    private final Object lock = new Object();
    private FileChannel in;
    private long pos;
    private long droppedLines;
    private long droppedBytes;
    /** The newest unread bytes, copied aside when the file was emptied; read before the file. */
    private byte[] salvage;
    private int salvageAt;
    private boolean ended;

    private Tail(Path file, String stream, LogSink sink, BooleanSupplier running, long spoolBytes) {
        this.file = file;
        this.running = running;
        this.stream = stream;
        this.sink = sink;
        this.dropAt = Math.max(4096, spoolBytes / 8);
    }

    /**
     * Completes when the file has been read to its end after {@code running} turned false.
     *
     * @param spoolBytes the run's output spool bound (both of its files together)
     */
    static CompletableFuture<Void> follow(Path file, String stream, LogSink sink, BooleanSupplier running, String name,
            long spoolBytes) {
        Tail tail = new Tail(file, stream, sink, running, spoolBytes);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            ScheduledFuture<?> guard = null;
            try {
                if (tail.open(running)) {
                    guard = GUARD.scheduleWithFixedDelay(tail::guard, GUARD_EVERY_MS, GUARD_EVERY_MS,
                            TimeUnit.MILLISECONDS);
                    tail.run(running);
                }
            } catch (IOException | RuntimeException e) {
                // the file went away: nothing more to read
            } finally {
                if (guard != null) {
                    guard.cancel(false);
                }
                tail.close();
                done.complete(null);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return done;
    }

    private boolean open(BooleanSupplier running) throws IOException {
        while (!Files.exists(file)) {
            if (!running.getAsBoolean()) {
                return false;
            }
            sleep(10);
        }
        synchronized (lock) {
            in = FileChannel.open(file, StandardOpenOption.READ);
        }
        return true;
    }

    private void close() {
        synchronized (lock) {
            try {
                if (in != null) {
                    in.close();
                }
            } catch (IOException ignored) {
                // closing a read-only file
            }
        }
    }

    private void run(BooleanSupplier running) throws IOException {
        long idleSleep = 1;
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        LineSplitter line = new LineSplitter(text -> sink.line(stream, text));
        boolean lastRead = false;
        while (true) {
            long dropped;
            long droppedB;
            int n;
            synchronized (lock) {
                dropped = droppedLines;
                droppedB = droppedBytes;
                droppedLines = 0;
                droppedBytes = 0;
                buf.clear();
                if (salvage != null) {
                    // the newest lines copied aside when the older ones were dropped: they come first
                    n = Math.min(buf.capacity(), salvage.length - salvageAt);
                    buf.put(salvage, salvageAt, n);
                    salvageAt += n;
                    if (salvageAt == salvage.length) {
                        salvage = null;
                        salvageAt = 0;
                    }
                } else {
                    n = in.read(buf, pos);
                    if (n > 0) {
                        pos += n;
                    }
                }
            }
            if (dropped > 0 || droppedB > 0) {
                line.flush(); // the start of a line whose rest was dropped
                sink.line("orchion", String.format("[orchion] about %,d lines (%,d bytes) of %s dropped on this"
                        + " node: the run wrote faster than its output could be shipped, and its spool here is"
                        + " bounded", dropped, droppedB, stream));
            }
            if (n > 0) {
                idleSleep = 1;
                line.write(buf.array(), 0, n);
                continue;
            }
            // at the end of what was written so far
            if (lastRead) {
                line.flush();
                return;
            }
            if (!running.getAsBoolean()) {
                synchronized (lock) {
                    ended = true;
                }
                lastRead = true; // one more read: the run may have written its last bytes just before exiting
                continue;
            }
            sleep(idleSleep);
            idleSleep = Math.min(50, idleSleep * 2);
        }
    }

    /**
     * Drops what the reader has not reached when it has grown past an eighth of the bound, keeping
     * the newest: the last {@link #SALVAGE} bytes (from a line's start) are copied aside for the
     * reader and the file is emptied (the run appends, so it writes on at its start). Counting the
     * dropped lines would mean reading them, slower than a run can write, so their number is
     * estimated from the length of the kept lines. What the run writes while the newest part is
     * copied is copied too, a few rounds at most; what it writes after the last round and before
     * the emptying is lost unseen (counted in the bytes, a gap in the middle of the kept lines,
     * or their end if the run ends in that moment). Once the run has ended nothing is dropped:
     * the file no longer grows.
     */
    private void guard() {
        synchronized (lock) {
            if (in == null || !in.isOpen() || ended || !running.getAsBoolean()) {
                return;
            }
            try {
                long size = in.size();
                if (size - pos <= dropAt) {
                    return;
                }
                long from;
                ByteBuffer newest;
                long lost;
                try (FileChannel w = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    // copy the newest aside, again while the run writes on, so that only what it
                    // writes between the last look at the size and the emptying goes unseen
                    int rounds = 0;
                    do {
                        from = Math.max(pos, size - SALVAGE);
                        newest = ByteBuffer.allocate((int) (size - from));
                        while (newest.hasRemaining() && in.read(newest, from + newest.position()) > 0) {
                            // copying the newest bytes aside
                        }
                        long now = in.size();
                        if (now == size || ++rounds == 4) {
                            break;
                        }
                        size = now;
                    } while (true);
                    lost = w.size() - size;
                    w.truncate(0);
                }
                byte[] a = newest.array();
                int len = newest.position();
                int start = 0;
                int lines = 0;
                for (int i = 0; i < len; i++) {
                    if (a[i] == '\n') {
                        if (lines++ == 0) {
                            start = i + 1; // the kept part starts at a line's start
                        }
                    }
                }
                long dropped = from + start - pos + Math.max(0, lost);
                if (salvage != null) {
                    dropped += salvage.length - salvageAt; // copied aside before, still unread: older still
                }
                double lineBytes = lines > 1 ? (double) (len - start) / (lines - 1) : Math.max(1, len);
                droppedBytes += dropped;
                droppedLines += Math.max(1, Math.round(dropped / lineBytes));
                salvage = len > start ? java.util.Arrays.copyOfRange(a, start, len) : null;
                salvageAt = 0;
                pos = 0;
            } catch (IOException | RuntimeException e) {
                // the file went away with its run
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
