package io.orchion.runtime.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.api.runtime.RunUsage;

/** With real processes: a shell that puts two sleeps in the background, as a run's children. */
class ProcessGroupTest {
    Process leader;

    @AfterEach
    void cleanUp() {
        if (leader != null) {
            ProcessGroup.signal(leader.toHandle(), "KILL");
        }
    }

    /** {@code sh} leading its own group, with two children: one in the background, one in front. */
    Process startGroup() throws IOException, InterruptedException {
        leader = new ProcessBuilder(ProcessGroup.leaderArgv(List.of("/bin/sh", "-c", "sleep 60 & sleep 60")))
                .redirectErrorStream(true).start();
        ProcessHandle h = leader.toHandle();
        await(() -> h.descendants().count() >= 2, "the shell's two sleeps to start");
        return leader;
    }

    @Test
    void aStopReachesTheWholeGroupChildrenIncluded() throws Exception {
        assumeTrue(ProcessGroup.SETSID != null, "needs setsid (Linux)");
        // given a group of a shell and its two sleeps
        ProcessHandle h = startGroup().toHandle();
        List<ProcessHandle> children = h.descendants().toList();
        assertEquals(2, children.size(), children.toString());
        // when the group is stopped
        ProcessGroup.stop(h, Duration.ofSeconds(5));
        // then the shell and both sleeps are gone
        await(() -> !h.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive), "the whole group to be gone");
    }

    @Test
    void aGroupThatIgnoresTermIsKilledAfterTheGrace() throws Exception {
        assumeTrue(ProcessGroup.SETSID != null, "needs setsid (Linux)");
        // given a shell that ignores TERM, with a child
        leader = new ProcessBuilder(ProcessGroup.leaderArgv(List.of("/bin/sh", "-c",
                "trap '' TERM; sleep 60 & while true; do sleep 1; done"))).start();
        ProcessHandle h = leader.toHandle();
        await(() -> h.descendants().findAny().isPresent(), "the shell's child to start");
        // when it is stopped with a short grace
        ProcessGroup.stop(h, Duration.ofMillis(300));
        // then it is killed once the grace has passed
        await(() -> !h.isAlive(), "the shell to be killed");
    }

    @Test
    void aProcessIsFoundAgainOnlyWhenItsStartTimeMatches() throws Exception {
        // given a running group leader and its recorded start
        ProcessHandle h = startGroup().toHandle();
        long started = ProcessGroup.startedMillis(h);
        // then it is found by its pid and start, and not with another start time
        assertEquals(h.pid(), ProcessGroup.find(h.pid(), started).orElseThrow().pid());
        assertTrue(ProcessGroup.find(h.pid(), started - 60_000).isEmpty());
    }

    @Test
    void theUsageOfATreeCountsItsChildren() throws Exception {
        // given a group of three processes
        ProcessHandle h = startGroup().toHandle();
        // when its usage is sampled twice
        ProcessTreeUsage usage = new ProcessTreeUsage(h);
        RunUsage first = usage.sample();
        RunUsage second = usage.sample();
        // then it is the memory of all three (sh and two sleeps hold more than a page each)
        assertNotNull(first);
        assertTrue(second.cpuCores() >= 0);
        if (Files.isDirectory(Path.of("/proc"))) {
            assertTrue(ProcessTreeUsage.rssBytes(h.pid()) > 0);
            assertTrue(second.memoryBytes() > ProcessTreeUsage.rssBytes(h.pid()), second.toString());
        }
        // and nothing once it is gone
        ProcessGroup.signal(h, "KILL");
        await(() -> !h.isAlive(), "the shell to be killed");
        assertNull(usage.sample());
    }

    @Test
    void aMissingProgramIsNamedBeforeAStart(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\n");
        assertNull(ProcessGroup.notRunnable("sh", "/usr/bin:/bin"));
        assertEquals("'no-such-program' is not found on the PATH of this node",
                ProcessGroup.notRunnable("no-such-program", "/usr/bin:/bin"));
        assertEquals("'" + script + "' is not an executable file of this node",
                ProcessGroup.notRunnable(script.toString(), null));
        assertEquals("No such file or directory", ProcessGroup.startFailure(new IOException(
                "Cannot run program \"x\" (in directory \"/tmp\"): No such file or directory")));
    }

    @Test
    void aRunSeesItsIdAndOnlyItsReservedGpus() {
        Map<String, String> env = new HashMap<>();
        ProcessGroup.runEnvironment(env, "r-1", "train", List.of());
        assertEquals(Map.of("ORCHION_RUN_ID", "r-1", "ORCHION_JOB_NAME", "train"), env);
        ProcessGroup.runEnvironment(env, "r-1", "train", List.of(1, 3));
        assertEquals(Map.of("ORCHION_RUN_ID", "r-1", "ORCHION_JOB_NAME", "train", "CUDA_VISIBLE_DEVICES", "1,3",
                "HIP_VISIBLE_DEVICES", "1,3"), env);
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
