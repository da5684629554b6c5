package io.orchion.logs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.log.LogChunk;
import io.orchion.api.log.LogLine;

class LogsComponentTest {
    @TempDir
    Path dir;

    private static List<LogLine> lines(long fromRunSeq, int n, String text) {
        List<LogLine> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new LogLine(fromRunSeq + i, Instant.ofEpochMilli(1000 + i), "r1", "stdout", text + (fromRunSeq + i)));
        }
        return out;
    }

    @Test
    void linesComeBackInOrderAndResendsAreSkipped() {
        LogsComponent logs = new LogsComponent(dir, 1 << 20);
        assertEquals(3, logs.append("job-1", "r1", lines(1, 3, "line ")));
        // the agent lost the ack and sends 2..5 again: 2 and 3 are duplicates
        assertEquals(5, logs.append("job-1", "r1", lines(2, 4, "line ")));
        LogChunk all = logs.read("job-1", 0, 100);
        assertEquals(List.of("line 1", "line 2", "line 3", "line 4", "line 5"),
                all.lines().stream().map(LogLine::text).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), all.lines().stream().map(LogLine::seq).toList());
        assertEquals(List.of("line 4", "line 5"), logs.read("job-1", 3, 100).lines().stream().map(LogLine::text).toList());
        assertEquals(List.of("line 4", "line 5"), logs.tail("job-1", 2).lines().stream().map(LogLine::text).toList());
        // tabs, newlines and backslashes survive the record format
        logs.append("job-1", "r2", List.of(new LogLine(1, Instant.now(), "r2", "stderr", "a\tb\\n\nc")));
        LogLine odd = logs.read("job-1", 5, 10).lines().get(0);
        assertEquals("a\tb\\n\nc", odd.text());
        assertEquals("stderr", odd.stream());
        assertEquals("r2", odd.runId());
    }

    @Test
    void retentionDropsTheOldestLinesAndKeepsTheBound() throws Exception {
        long max = 64 * 1024;
        LogsComponent logs = new LogsComponent(dir, max);
        String pad = "x".repeat(100);
        for (int i = 0; i < 50; i++) {
            logs.append("big", "r1", lines(i * 100L + 1, 100, pad));
        }
        long onDisk;
        try (var files = Files.list(dir.resolve("big"))) {
            onDisk = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(onDisk <= max + max / 4 + 200, "bounded on disk: " + onDisk);
        LogChunk c = logs.read("big", 0, 100_000);
        assertTrue(c.firstSeq() > 1, "the oldest lines are gone: first " + c.firstSeq());
        assertEquals(5000, c.lastSeq());
        assertEquals(c.firstSeq(), c.lines().get(0).seq());
        // what is kept is contiguous up to the newest line
        List<LogLine> kept = new ArrayList<>(c.lines());
        long after = kept.get(kept.size() - 1).seq();
        while (after < c.lastSeq()) {
            LogChunk more = logs.read("big", after, 100_000);
            kept.addAll(more.lines());
            after = more.lines().get(more.lines().size() - 1).seq();
        }
        for (int i = 1; i < kept.size(); i++) {
            assertEquals(kept.get(i - 1).seq() + 1, kept.get(i).seq());
        }
    }

    @Test
    void aRestartedOrchestratorContinuesTheLogAndCutsATornRecord() throws Exception {
        LogsComponent first = new LogsComponent(dir, 1 << 20);
        first.append("job-2", "r1", lines(1, 10, "l"));
        first.deactivate();
        // the orchestrator died in the middle of writing a record
        Path seg;
        try (var files = Files.list(dir.resolve("job-2"))) {
            seg = files.findFirst().orElseThrow();
        }
        Files.writeString(seg, "11\t1000\tr1\t11\tstdout\thalf a li", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        LogsComponent again = new LogsComponent(dir, 1 << 20);
        assertEquals(10, again.read("job-2", 0, 100).lastSeq());
        // the agent resends 9..12: only 11 and 12 are new, numbered on from 10
        assertEquals(12, again.append("job-2", "r1", lines(9, 4, "l")));
        LogChunk c = again.read("job-2", 0, 100);
        assertEquals(12, c.lines().size());
        assertEquals("l11", c.lines().get(10).text());
        assertEquals(11, c.lines().get(10).seq());
    }

    @Test
    void followersWaitForMoreAndAreReleasedWhenTheJobEnds() throws Exception {
        LogsComponent logs = new LogsComponent(dir, 1 << 20);
        logs.append("job-3", "r1", lines(1, 1, "a"));
        assertTrue(logs.more("job-3", 0).getNow(false), "a line newer than 0 exists");
        CompletableFuture<Boolean> waiting = logs.more("job-3", 1);
        assertFalse(waiting.isDone());
        logs.append("job-3", "r1", lines(2, 1, "a"));
        assertTrue(waiting.get(5, TimeUnit.SECONDS));
        CompletableFuture<Boolean> atEnd = logs.more("job-3", 2);
        logs.jobChanged(new io.orchion.api.job.Job("job-3", null, io.orchion.api.job.JobState.SUCCEEDED, "", List.of(),
                "r1", 1, 0, "", Instant.now(), List.of()));
        assertFalse(atEnd.get(5, TimeUnit.SECONDS), "ended, nothing more");
        assertTrue(logs.read("job-3", 2, 10).ended());
    }

    @Test
    void aTailOfAnEndedJobHoldsItsLastLinesAndSaysEnded() {
        // given an ended job whose last two lines are long (together past one page's byte bound)
        LogsComponent logs = new LogsComponent(dir, 16 << 20);
        String longText = "y".repeat(JobLog.MAX_CHUNK_BYTES - 10);
        logs.append("job-4", "r1", lines(1, 3, "short "));
        logs.append("job-4", "r1", List.of(new LogLine(4, Instant.now(), "r1", "stdout", "a" + longText),
                new LogLine(5, Instant.now(), "r1", "stdout", "b" + longText)));
        logs.jobChanged(new io.orchion.api.job.Job("job-4", null, io.orchion.api.job.JobState.SUCCEEDED, "", List.of(),
                "r1", 1, 0, "", Instant.now(), List.of()));

        // when the last line is asked for, then it comes, and the page says the job has ended
        LogChunk one = logs.tail("job-4", 1);
        assertEquals(List.of(5L), one.lines().stream().map(LogLine::seq).toList());
        assertTrue(one.ended(), "tail=1 of an ended job says ended");

        // when the last two are asked for, then the newest line is never the one left out
        LogChunk two = logs.tail("job-4", 2);
        assertFalse(two.lines().isEmpty());
        assertEquals(5L, two.lines().get(two.lines().size() - 1).seq());
        assertTrue(two.ended(), "a tail ending at the last line of an ended job says ended");

        // and a tail of short lines after a long one holds all of them
        logs.append("job-5", "r1", List.of(new LogLine(1, Instant.now(), "r1", "stdout", longText + "z")));
        logs.append("job-5", "r1", lines(2, 2, "after "));
        logs.jobChanged(new io.orchion.api.job.Job("job-5", null, io.orchion.api.job.JobState.FAILED, "", List.of(),
                "r1", 1, 1, "", Instant.now(), List.of()));
        LogChunk three = logs.tail("job-5", 3);
        assertEquals(List.of(1L, 2L, 3L), three.lines().stream().map(LogLine::seq).toList());
        assertTrue(three.ended());
    }

    @Test
    void aJobsLogIsTheOwnersOnly() throws Exception {
        // given a logs folder that does not exist yet
        LogsComponent logs = new LogsComponent(dir.resolve("logs"), 1 << 20);
        // when a job's lines are stored
        logs.append("job-6", "r1", lines(1, 3, "API_KEY=hunter2 "));
        // then every folder is 0700 and every file 0600
        List<Path> all;
        try (var walk = Files.walk(dir.resolve("logs"))) {
            all = walk.toList();
        }
        assertTrue(all.stream().anyMatch(Files::isRegularFile), "a segment was written: " + all);
        for (Path p : all) {
            String perms = java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
            assertEquals(Files.isDirectory(p) ? "rwx------" : "rw-------", perms, p.toString());
        }
    }

    @Test
    void aJobIdThatIsAPathIsRefused() {
        LogsComponent logs = new LogsComponent(dir, 1 << 20);
        assertThrows(InvalidArgumentException.class, () -> logs.append("../etc", "r1", lines(1, 1, "x")));
        assertThrows(InvalidArgumentException.class, () -> logs.read("a/b", 0, 1));
    }
}
