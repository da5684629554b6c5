package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.proto.v1.GetJobRequest;
import io.orchion.proto.v1.Job;
import io.orchion.proto.v1.StreamLogsRequest;
import io.orchion.proto.v1.SubmitJobRequest;

/** kill -9 of the orchestrator while jobs run: after its restart they are reconciled, none runs twice. */
class RestartIT {
    @TempDir
    Path root;
    final String marker = "orchion-restart-it-" + UUID.randomUUID();

    @AfterEach
    void killStrays() {
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker))
                .forEach(ProcessHandle::destroyForcibly);
    }

    long copies(String job) {
        // the run's wrapper shell (the process runtime's leader): its arguments carry the marker and
        // the job's name, and the wrapper's own script
        return ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(marker + "-" + job) && c.contains("ORCHION_EXIT_FILE")).count();
    }

    static Job job(Instance orch, String id) {
        return orch.jobs().withDeadlineAfter(10, TimeUnit.SECONDS).getJob(GetJobRequest.newBuilder().setJobId(id).build());
    }

    @Test
    void runningJobsAreReconciledAfterAKill9AndNoneStartsTwice() throws Exception {
        try (Instance orch = Instance.orchestrator(root, "orch"); Instance agent = Instance.agent(root, "a", orch)) {
            orch.start();
            agent.start();
            List<Job> jobs = new ArrayList<>();
            for (String name : List.of("one", "two", "three")) {
                jobs.add(orch.jobs().withDeadlineAfter(10, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder()
                        .setSpec("name: " + name + "\nruntime: process\nprocess: { command: [sh, -c, 'echo start; for i in "
                                + "$(seq 1 45); do sleep 1; done; echo done # " + marker + "-" + name + "'] }\n"
                                + "restart: { attempts: 2, backoff: 1s }\n")
                        .build()));
            }
            List<String> runs = new ArrayList<>();
            for (Job j : jobs) {
                Instance.await(Duration.ofSeconds(60), () -> job(orch, j.getId()).getState().equals("RUNNING"),
                        () -> j.getId() + " to run");
                runs.add(job(orch, j.getId()).getRunId());
            }

            orch.kill9();
            orch.start();
            long restarted = System.nanoTime();
            // from the restart until every job has succeeded, each check finds the same run, once: the
            // agent comes back, the reconciliation's grace (10 s at the default heartbeat) passes, and
            // nothing is stopped, retried or started twice. The watch must span that grace to prove it.
            long lastSeenRunning = 0; // the last check that found every job running, one copy each
            long end = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            while (true) {
                boolean allDone = true;
                boolean allRunningOnce = true;
                for (int i = 0; i < jobs.size(); i++) {
                    Job now = job(orch, jobs.get(i).getId());
                    assertTrue(now.getState().equals("RUNNING") || now.getState().equals("SUCCEEDED"), now.toString());
                    assertEquals(runs.get(i), now.getRunId(), "the same run, reconciled, not a new one");
                    assertEquals(1, now.getAttempt(), "never started twice: " + now);
                    // never two copies; none in the moment between its exit and the report of it
                    long n = copies(now.getName());
                    assertTrue(n <= 1, n + " copies of " + now.getName());
                    allDone &= now.getState().equals("SUCCEEDED");
                    allRunningOnce &= now.getState().equals("RUNNING") && n == 1;
                }
                if (allRunningOnce) {
                    lastSeenRunning = System.nanoTime();
                }
                if (allDone || System.nanoTime() > end) {
                    break;
                }
                Thread.sleep(250);
            }
            assertTrue(lastSeenRunning - restarted > Duration.ofSeconds(15).toNanos(),
                    "the runs were watched past the reconciliation's grace after the restart");
            for (Job j : jobs) {
                Job done = job(orch, j.getId());
                assertEquals("SUCCEEDED", done.getState(), "succeeded in time: " + done);
                assertEquals(1, done.getAttempt(), "never started twice");
                List<String> lines = new ArrayList<>();
                orch.jobs().withDeadlineAfter(30, TimeUnit.SECONDS)
                        .streamLogs(StreamLogsRequest.newBuilder().setJobId(j.getId()).build())
                        .forEachRemaining(b -> b.getLinesList().forEach(l -> lines.add(l.getText())));
                assertEquals(List.of("start", "done"), lines);
            }
            assertTrue(!jobs.isEmpty() && jobs.stream().allMatch(j -> copies(j.getName()) == 0), "no copy left");
        }
    }
}
