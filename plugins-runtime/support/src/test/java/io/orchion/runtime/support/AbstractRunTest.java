package io.orchion.runtime.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;

import io.orchion.api.runtime.ExitStatus;

class AbstractRunTest {

    /** A run that ends when it is stopped, as a process ends on SIGTERM with code 143. */
    static final class Run extends AbstractRun {
        Run() {
            super("run-1");
        }

        @Override
        public void stopBecause(String reason, Duration grace) {
            recordStop(reason);
            finish(new ExitStatus(143, "exited"));
        }

        void exited(ExitStatus status) {
            finish(status);
        }

        void running() {
            markStarted();
        }

        void cannotStart(String why) {
            failStart(why);
        }
    }

    @Test
    void aRunThatExitsByItselfKeepsItsOwnReasonAndResult() throws Exception {
        // given a started run
        Run run = new Run();
        run.running();
        // when it exits by itself
        run.exited(new ExitStatus(0, "exited", Map.of("text", "hi")));
        // then its exit is its own, and it was not stopped
        assertEquals(new ExitStatus(0, "exited", Map.of("text", "hi")), run.exit().get());
        assertNull(run.stopReason());
        assertEquals("run-1", run.runId());
    }

    @Test
    void theFirstStopReasonNamesHowTheRunEnded() throws Exception {
        // given a started run
        Run run = new Run();
        run.running();
        // when a timeout stops it, then the agent stops it too
        run.stopBecause(AbstractRun.TIMEOUT, Duration.ZERO);
        run.stop(Duration.ZERO);
        // then it ended because of the timeout, with the code the stop caused
        assertEquals(new ExitStatus(143, "timeout"), run.exit().get());
        assertEquals("timeout", run.stopReason());
    }

    @Test
    void aRunThatEndsBeforeItStartedHasFailedToStartForTheSameReason() {
        // given a run that never started
        Run run = new Run();
        // when it cannot start
        run.cannotStart("image 'x' is not on this node");
        // then started fails with the reason, and the exit says it too
        ExecutionException e = assertThrows(ExecutionException.class, () -> run.started().get());
        assertEquals("image 'x' is not on this node", e.getCause().getMessage());
        assertEquals(new ExitStatus(-1, "image 'x' is not on this node"), run.exit().join());
    }

    @Test
    void onlyTheFirstEndCounts() {
        // given a run that has exited
        Run run = new Run();
        run.running();
        run.exited(new ExitStatus(1, "exited"));
        // when a stop comes late
        run.stop(Duration.ZERO);
        // then the exit stays as it was
        assertEquals(new ExitStatus(1, "exited"), run.exit().join());
        assertTrue(run.started().isDone());
        assertFalse(run.started().isCompletedExceptionally());
    }
}
