package io.orchion.logs.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import io.orchion.api.OwnerOnly;
import io.orchion.api.log.LogChunk;
import io.orchion.api.log.LogLine;

/**
 * One job's log on disk: a folder of segment files named by the sequence number of their first
 * line. Lines are appended to the newest segment; when the job's log passes its byte bound the
 * oldest segments are deleted (retention). A sparse in-memory index (a file offset every
 * {@link #INDEX_EVERY} lines) lets a follower read from any position without scanning.
 *
 * <p>Record format, one line per record, tab-separated: {@code seq at-ms run-id run-seq stream text},
 * with backslash, tab, CR and LF in the text escaped. Thread-safe: every method is synchronized.
 */
final class JobLog {
    static final int INDEX_EVERY = 256;
    static final int MAX_CHUNK_BYTES = 1 << 20;
    private static final String SUFFIX = ".log";

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    /** first seq of each segment -> its sparse index (seq -> offset) */
    private final TreeMap<Long, TreeMap<Long, Long>> segments = new TreeMap<>();
    private final Map<String, Long> runHigh = new HashMap<>();
    private final List<CompletableFuture<Boolean>> waiters = new ArrayList<>();
    private long totalBytes;
    private long lastSeq;
    private boolean ended;
    private FileChannel out;
    private OutputStream outStream;
    private long outSize;
    private long lastUse = System.nanoTime();

    JobLog(Path dir, long maxBytes) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(64 * 1024, maxBytes / 4);
        if (Files.isDirectory(dir)) {
            load();
        }
    }

    /** Reads what an earlier run of the orchestrator left: segments, the last seq and each run's high mark. */
    private void load() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).toList()) {
                String n = f.getFileName().toString();
                try {
                    segments.put(Long.parseLong(n.substring(0, n.length() - SUFFIX.length())), new TreeMap<>());
                    totalBytes += Files.size(f);
                } catch (NumberFormatException e) {
                    // not ours
                }
            }
        }
        for (Map.Entry<Long, TreeMap<Long, Long>> seg : segments.entrySet()) {
            scan(seg.getKey(), seg.getValue());
        }
    }

    private void scan(long first, TreeMap<Long, Long> index) throws IOException {
        long offset = 0;
        long count = 0;
        Path file = segment(first);
        long size = Files.size(file);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String rec;
            while ((rec = r.readLine()) != null) {
                LogRecord l = LogRecord.decode(rec);
                long end = offset + rec.getBytes(StandardCharsets.UTF_8).length + 1;
                if (l == null || end > size) {
                    break; // a torn last record (the orchestrator died mid-write): cut below
                }
                if (count++ % INDEX_EVERY == 0) {
                    index.put(l.line().seq(), offset);
                }
                lastSeq = Math.max(lastSeq, l.line().seq());
                if (l.runSeq() > 0) {
                    runHigh.merge(l.line().runId(), l.runSeq(), Math::max);
                }
                offset = end;
            }
        }
        if (offset < size) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(offset);
            }
            totalBytes -= size - offset;
        }
    }

    private Path segment(long first) {
        return dir.resolve(String.format("%019d", first) + SUFFIX);
    }

    /**
     * Appends lines in order. With {@code runSequenced}, each line's seq is the run's own number for
     * it and lines at or below the run's high mark are skipped as resends.
     *
     * @return the run's high mark after the append
     */
    synchronized long append(String runId, List<LogLine> lines, boolean runSequenced) throws IOException {
        lastUse = System.nanoTime();
        long high = runHigh.getOrDefault(runId, 0L);
        boolean any = false;
        for (int i = 0; i < lines.size(); i++) {
            LogLine l = lines.get(i);
            long runSeq = runSequenced ? l.seq() : 0;
            if (runSeq > 0 && runSeq <= high) {
                continue; // a resend of what is already stored
            }
            write(new LogRecord(new LogLine(++lastSeq, l.at(), runId, l.stream(), l.text()), runSeq));
            if (runSeq > 0) {
                high = runSeq;
            }
            any = true;
        }
        if (high > 0) {
            runHigh.put(runId, high);
        }
        if (any) {
            outStream.flush();
            wake(true);
        }
        return high;
    }

    private void write(LogRecord r) throws IOException {
        if (out == null || outSize >= segmentBytes) {
            roll(r.line().seq());
        }
        byte[] b = (r.encode() + "\n").getBytes(StandardCharsets.UTF_8);
        TreeMap<Long, Long> index = segments.lastEntry().getValue();
        if (index.isEmpty() || r.line().seq() - index.lastKey() >= INDEX_EVERY) {
            index.put(r.line().seq(), outSize);
        }
        outStream.write(b);
        outSize += b.length;
        totalBytes += b.length;
    }

    /** Starts a new segment at {@code first}; drops the oldest ones past the byte bound. */
    private void roll(long first) throws IOException {
        closeOut();
        // logs hold whatever jobs print, secrets included: folders 0700 and files 0600, created so
        Files.createDirectories(dir, OwnerOnly.folder());
        Map.Entry<Long, TreeMap<Long, Long>> last = segments.lastEntry();
        if (last != null && Files.size(segment(last.getKey())) < segmentBytes) {
            // reopen the newest segment (after a restart) instead of starting a tiny one
            first = last.getKey();
        } else {
            segments.put(first, new TreeMap<>());
        }
        out = FileChannel.open(segment(first), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), OwnerOnly.file());
        outSize = out.size();
        outStream = new java.io.BufferedOutputStream(Channels.newOutputStream(out), 64 * 1024);
        while (totalBytes > maxBytes && segments.size() > 1) {
            long oldest = segments.firstKey();
            Path f = segment(oldest);
            totalBytes -= Files.size(f);
            Files.deleteIfExists(f);
            segments.remove(oldest);
        }
    }

    synchronized LogChunk read(long afterSeq, int limit) throws IOException {
        lastUse = System.nanoTime();
        List<LogLine> lines = new ArrayList<>();
        int[] bytes = { 0 };
        if (limit > 0) {
            scan(afterSeq, (line, size) -> {
                lines.add(line);
                bytes[0] += size;
                return lines.size() < limit && bytes[0] < MAX_CHUNK_BYTES;
            });
        }
        return chunk(lines);
    }

    /**
     * The last {@code n} lines, newest kept: when they pass {@link #MAX_CHUNK_BYTES} the oldest of
     * them are left out (never the newest line, however long). Reads forward with a window bounded
     * like a page, so memory stays bounded however long the lines are.
     */
    synchronized LogChunk tail(int n) throws IOException {
        lastUse = System.nanoTime();
        ArrayDeque<LogLine> window = new ArrayDeque<>();
        ArrayDeque<Integer> sizes = new ArrayDeque<>();
        long[] bytes = { 0 };
        if (n > 0) {
            scan(Math.max(0, lastSeq - n), (line, size) -> {
                window.addLast(line);
                sizes.addLast(size);
                bytes[0] += size;
                // like a page read forwards, the page may pass the bound by its last line
                while (window.size() > n || bytes[0] - sizes.peekFirst() >= MAX_CHUNK_BYTES) {
                    window.removeFirst();
                    bytes[0] -= sizes.removeFirst();
                }
                return true;
            });
        }
        return chunk(List.copyOf(window));
    }

    /** A page: it says ended only when the job has ended and the page holds its last line. */
    private LogChunk chunk(List<LogLine> lines) {
        boolean complete = ended && (lines.isEmpty() || lines.get(lines.size() - 1).seq() == lastSeq);
        return new LogChunk(lines, firstSeq(), lastSeq, complete);
    }

    /** What takes the lines of a scan, with each one's stored size; false stops the scan. */
    private interface LineVisitor {
        boolean visit(LogLine line, int bytes);
    }

    /** Visits the stored lines after {@code afterSeq}, in order, until the visitor says stop. */
    private void scan(long afterSeq, LineVisitor visitor) throws IOException {
        if (segments.isEmpty() || afterSeq >= lastSeq) {
            return;
        }
        if (outStream != null) {
            outStream.flush();
        }
        long want = Math.max(afterSeq + 1, firstSeq());
        Long segKey = segments.floorKey(want);
        if (segKey == null) {
            segKey = segments.firstKey();
        }
        for (Map.Entry<Long, TreeMap<Long, Long>> seg : segments.tailMap(segKey, true).entrySet()) {
            Map.Entry<Long, Long> start = seg.getValue().floorEntry(want);
            long offset = start == null ? 0 : start.getValue();
            try (FileChannel ch = FileChannel.open(segment(seg.getKey()), StandardOpenOption.READ)) {
                ch.position(offset);
                BufferedReader r = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                        StandardCharsets.UTF_8), 64 * 1024);
                String rec;
                while ((rec = r.readLine()) != null) {
                    LogRecord l = LogRecord.decode(rec);
                    if (l == null) {
                        break;
                    }
                    if (l.line().seq() <= afterSeq) {
                        continue;
                    }
                    if (!visitor.visit(l.line(), rec.length())) {
                        return;
                    }
                }
            }
        }
    }

    synchronized CompletableFuture<Boolean> more(long afterSeq) {
        if (lastSeq > afterSeq) {
            return CompletableFuture.completedFuture(true);
        }
        if (ended) {
            return CompletableFuture.completedFuture(false);
        }
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        waiters.add(f);
        return f;
    }

    /** The job has finished: followers that have read everything are released. */
    synchronized void end() throws IOException {
        ended = true;
        closeOut();
        wake(false);
    }

    synchronized boolean ended() {
        return ended;
    }

    synchronized void markEnded() {
        ended = true;
    }

    /** Idle for longer than {@code nanos}: its file is closed (reopened on the next append). */
    synchronized boolean idleFor(long nanos) {
        return waiters.isEmpty() && System.nanoTime() - lastUse > nanos;
    }

    synchronized void close() throws IOException {
        closeOut();
        wake(false);
    }

    private void wake(boolean more) {
        List<CompletableFuture<Boolean>> w = List.copyOf(waiters);
        waiters.clear();
        w.forEach(f -> f.complete(more));
    }

    private void closeOut() throws IOException {
        if (outStream != null) {
            outStream.close();
        }
        out = null;
        outStream = null;
    }

    private long firstSeq() {
        if (segments.isEmpty() || lastSeq == 0) {
            return 0;
        }
        long first = segments.firstKey();
        TreeMap<Long, Long> idx = segments.firstEntry().getValue();
        return idx.isEmpty() ? first : Math.max(1, idx.firstKey());
    }

    long bytes() {
        return totalBytes;
    }

    /** A stored line and the run's own sequence number for it (0 for lines the platform adds). */
    record LogRecord(LogLine line, long runSeq) {
        String encode() {
            return line.seq() + "\t" + (line.at() == null ? 0 : line.at().toEpochMilli()) + "\t" + line.runId() + "\t"
                    + runSeq + "\t" + line.stream() + "\t" + escape(line.text());
        }

        static LogRecord decode(String rec) {
            String[] f = rec.split("\t", 6);
            if (f.length < 6) {
                return null;
            }
            try {
                return new LogRecord(new LogLine(Long.parseLong(f[0]), Instant.ofEpochMilli(Long.parseLong(f[1])), f[2],
                        f[4], unescape(f[5])), Long.parseLong(f[3]));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        static String escape(String s) {
            if (s.indexOf('\\') < 0 && s.indexOf('\t') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
                return s;
            }
            StringBuilder b = new StringBuilder(s.length() + 8);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '\\' -> b.append("\\\\");
                    case '\t' -> b.append("\\t");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    default -> b.append(c);
                }
            }
            return b.toString();
        }

        static String unescape(String s) {
            if (s.indexOf('\\') < 0) {
                return s;
            }
            StringBuilder b = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < s.length()) {
                    char n = s.charAt(++i);
                    b.append(switch (n) {
                        case 't' -> '\t';
                        case 'n' -> '\n';
                        case 'r' -> '\r';
                        default -> n;
                    });
                } else {
                    b.append(c);
                }
            }
            return b.toString();
        }
    }
}
