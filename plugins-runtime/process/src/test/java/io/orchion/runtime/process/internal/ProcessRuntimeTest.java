package io.orchion.runtime.process.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;
import io.orchion.api.scheduler.ResourceRequest;

/** Real processes: the runtime is tested by what it does to them. */
class ProcessRuntimeTest {
    @TempDir
    Path dir;
    final ProcessRuntime runtime = new ProcessRuntime();
    final List<String> lines = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        runtime.deactivate();
    }

    RunRequest run(String id, Map<String, Object> settings, Duration timeout) {
        return new RunRequest(id, "test", settings, new ResourceRequest(0.1, 1 << 20, 0, 0), List.of(), timeout,
                dir.resolve(id));
    }

    static Map<String, Object> sh(String script) {
        return Map.of("command", List.of("sh", "-c", script));
    }

    ExitStatus await(RunHandle h) throws Exception {
        return h.exit().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aCommandRunsToItsExitCodeWithItsOutputInOrder() throws Exception {
        RunHandle h = runtime.start(run("r1", sh("echo one; echo two; echo oops >&2; exit 3"), null),
                (stream, text) -> lines.add(stream + ":" + text));
        assertEquals(new ExitStatus(3, "exited"), await(h));
        // no wait here: the exit completes only after every line was handed on (RunHandle's promise)
        assertEquals(List.of("stdout:one", "stdout:two"), lines.stream().filter(l -> l.startsWith("stdout")).toList());
        assertTrue(lines.contains("stderr:oops"));
    }

    @Test
    void argsEnvAndWorkingFolderAreApplied() throws Exception {
        Files.writeString(dir.resolve("marker.txt"), "here\n");
        RunHandle h = runtime.start(run("r2", Map.of("command", List.of("sh", "-c", "echo $GREETING $1; cat marker.txt; echo $ORCHION_RUN_ID", "sh"),
                "args", List.of("world"), "env", Map.of("GREETING", "hello"), "workdir", dir.toString()), null),
                (stream, text) -> lines.add(text));
        assertEquals(0, await(h).code());
        assertEquals(List.of("hello world", "here", "r2"), lines);
    }

    @Test
    void aGpuRunSeesOnlyItsReservedGpus() throws Exception {
        RunRequest gpuRun = new RunRequest("r7", "test", sh("echo $CUDA_VISIBLE_DEVICES"), new ResourceRequest(0.1, 1 << 20,
                2, 1L << 30), List.of(1, 3), null, dir.resolve("r7"));
        RunHandle h = runtime.start(gpuRun, (stream, text) -> lines.add(text));
        assertEquals(0, await(h).code());
        assertEquals(List.of("1,3"), lines);
    }

    @Test
    void stoppingARunKillsItsWholeProcessTree() throws Exception {
        // given a run with two background children and a grandchild
        int n = 1000 + new java.util.Random().nextInt(8000); // durations no stray process shares
        RunHandle h = runtime.start(run("r3", sh("sleep " + n + " & (sleep " + (n + 1) + " &); sleep " + (n + 2) + " & wait"),
                null), (s, t) -> { });
        List<String> mine = List.of(String.valueOf(n), String.valueOf(n + 1), String.valueOf(n + 2));
        ProcessHandle leader = ProcessHandle.of(Long.parseLong(Files.readString(dir.resolve("r3/process.pid")).split(" ")[0]))
                .orElseThrow();
        assertTrue(leader.isAlive());
        // the (sleep n+1 &) subshell exits at once and its sleep is re-parented away from the tree
        long deadline = System.currentTimeMillis() + 5000;
        List<ProcessHandle> sleeps = List.of();
        while (sleeps.size() < 3 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            sleeps = ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("/sleep"))
                    .filter(p -> List.of(p.info().arguments().orElse(new String[0])).stream().anyMatch(mine::contains))
                    .toList();
        }
        assertEquals(3, sleeps.size(), "three sleeps started");
        // when it is stopped
        h.stop(Duration.ofSeconds(2));
        assertEquals("stopped", await(h).reason());
        // then every one of them is gone, even the one that left the tree: they share the session's group
        deadline = System.currentTimeMillis() + 5000;
        while (sleeps.stream().anyMatch(ProcessHandle::isAlive) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(sleeps.stream().anyMatch(ProcessHandle::isAlive));
    }

    @Test
    void aRecoveredRunKeepsWritingItsOutputAndItsExitCodeIsKnown() throws Exception {
        List<String> before = new CopyOnWriteArrayList<>();
        RunHandle first = runtime.start(run("r7", sh("echo early; sleep 1; echo late; exit 4"), null),
                (s, t) -> before.add(t));
        ProcessRuntime after = new ProcessRuntime();
        try {
            List<String> again = new CopyOnWriteArrayList<>();
            RunHandle found = after.recover(run("r7", sh("unused"), null), (s, t) -> again.add(t)).orElseThrow();
            // the output goes to a file, not a pipe to the (dead) agent: the run is not killed by a broken
            // pipe, its later lines still arrive, and the recovered exit has the real code
            assertEquals(new ExitStatus(4, "exited"), await(found));
            assertEquals(List.of("early", "late"), again);
            assertEquals(4, await(first).code());
        } finally {
            after.deactivate();
        }
    }

    @Test
    void aBusyRunReportsItsCpuAndMemory() throws Exception {
        RunHandle h = runtime.start(run("r8", sh("while :; do :; done"), null), (s, t) -> { });
        try {
            h.usage();
            // the CPU share is measured between two samples: sample until it shows, with a deadline
            var u = h.usage();
            long deadline = System.currentTimeMillis() + 10_000;
            while (u.cpuCores() <= 0.05 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
                u = h.usage();
            }
            assertTrue(u.cpuCores() > 0.05, "a busy loop uses CPU: " + u.cpuCores());
            assertTrue(u.memoryBytes() > 0, "resident memory is known");
        } finally {
            h.stop(Duration.ofSeconds(1));
            await(h);
        }
    }

    @Test
    void aRunPastItsTimeoutIsKilledAndSaysSo() throws Exception {
        RunHandle h = runtime.start(run("r4", sh("sleep 60"), Duration.ofMillis(300)), (s, t) -> { });
        ExitStatus status = await(h);
        assertEquals("timeout", status.reason());
        assertFalse(status.succeeded());
    }

    @Test
    void aCommandThatDoesNotExistIsRefusedNamingTheSetting() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> runtime.start(run("r5", Map.of("command", List.of("/no/such/program")), null), (s, t) -> { }));
        assertEquals("process.command", e.field());
        assertTrue(e.getMessage().contains("/no/such/program"), e.getMessage());
        InvalidArgumentException onPath = assertThrows(InvalidArgumentException.class,
                () -> runtime.start(run("r5b", Map.of("command", List.of("no-such-program-here")), null), (s, t) -> { }));
        assertTrue(onPath.getMessage().contains("not found on the PATH"), onPath.getMessage());
    }

    @Test
    void aRunStartedBeforeAnAgentRestartIsFoundAgainNotStartedTwice() throws Exception {
        RunHandle first = runtime.start(run("r6", sh("sleep 60"), null), (s, t) -> { });
        // when a new runtime (a restarted agent) looks for it
        ProcessRuntime after = new ProcessRuntime();
        try {
            RunHandle found = after.recover(run("r6", sh("sleep 60"), null), (st, l) -> { }).orElseThrow();
            assertFalse(found.exit().isDone());
            // then stopping the recovered handle ends the original process
            found.stop(Duration.ofSeconds(1));
            assertEquals("stopped", await(found).reason());
            await(first);
            // and a run that is gone is not recovered
            assertTrue(after.recover(run("r6", sh("sleep 60"), null), (st, l) -> { }).isEmpty());
            assertTrue(after.recover(run("never-started", sh("true"), null), (st, l) -> { }).isEmpty());
        } finally {
            after.deactivate();
        }
    }
}
