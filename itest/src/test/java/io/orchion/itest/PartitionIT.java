package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.proto.v1.GetJobRequest;
import io.orchion.proto.v1.Job;
import io.orchion.proto.v1.JobEvent;
import io.orchion.proto.v1.LogLine;
import io.orchion.proto.v1.StreamLogsRequest;
import io.orchion.proto.v1.SubmitJobRequest;

/**
 * An agent cut off from its orchestrator by a TCP proxy on loopback that the test controls: a
 * short cut changes nothing a user sees (the job runs on, its lines arrive late but all of them);
 * a long one makes the job LOST and placed again, and the stale copy is stopped when the agent returns.
 */
class PartitionIT {
    @TempDir
    Path root;
    final List<String> runIds = new ArrayList<>();

    @AfterEach
    void killStrays() {
        ProcessHandle.allProcesses().filter(p -> runIds.stream().anyMatch(r -> environ(p).contains("ORCHION_RUN_ID=" + r)))
                .forEach(ProcessHandle::destroyForcibly);
    }

    static String environ(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc/" + p.pid() + "/environ")).replace('\0', '\n');
        } catch (Exception e) {
            return "";
        }
    }

    static Job job(Instance orch, String id) {
        return orch.jobs().withDeadlineAfter(10, TimeUnit.SECONDS).getJob(GetJobRequest.newBuilder().setJobId(id).build());
    }

    static Job awaitState(Instance orch, String id, String state, Duration timeout) throws Exception {
        Instance.await(timeout, () -> job(orch, id).getState().equals(state), () -> id + " to be " + state + ": "
                + job(orch, id));
        return job(orch, id);
    }

    static String ticker(String name, int ticks) {
        return "name: " + name + "\nruntime: process\nprocess: { command: [sh, -c, 'i=0; while [ $i -lt " + ticks
                + " ]; do echo tick $i; i=$((i+1)); sleep 0.5; done'] }\nrestart: { attempts: 1, backoff: 1s }\n";
    }

    boolean runs(String runId) {
        return ProcessHandle.allProcesses().anyMatch(p -> environ(p).contains("ORCHION_RUN_ID=" + runId));
    }

    @Test
    void aShortCutChangesNothingAndALongOneMovesTheJobAndStopsTheStaleCopy() throws Exception {
        try (Instance orch = Instance.orchestrator(root, "orch")) {
            orch.conf("io.orchion.registry", "heartbeat.interval.ms = 500\ndown.after.ms = 4000\n");
            orch.start();
            try (TcpProxy proxy = new TcpProxy(orch.grpcPort);
                    Instance a = new Instance(root, "a", "agent", proxy.port(),
                            List.of("--orchestrator", "127.0.0.1:" + proxy.port(), "--name", "a", "--token",
                                    orch.joinToken()))) {
                a.conf("io.orchion.agent", "backoff.initial.ms = 100\nbackoff.max.ms = 500\n");
                a.start();

                // a short cut (2 s, the node goes DOWN after 4 s): the job runs on, no line is lost
                Job j = orch.jobs().withDeadlineAfter(10, TimeUnit.SECONDS)
                        .submitJob(SubmitJobRequest.newBuilder().setSpec(ticker("short", 16)).build());
                Job running = awaitState(orch, j.getId(), "RUNNING", Duration.ofSeconds(30));
                runIds.add(running.getRunId());
                proxy.cut();
                // the cut is real once the orchestrator has heard nothing for 2 s (four heartbeats): then
                // restore, well before the node would be DOWN (4 s)
                String nodeA = running.getNodeId();
                Instance.await(Duration.ofSeconds(10), () -> System.currentTimeMillis()
                        - orch.grpc().getNode(io.orchion.proto.v1.GetNodeRequest.newBuilder().setNodeId(nodeA).build())
                                .getLastSeenUnixMs() >= 2000, () -> "the cut to silence node a for 2 s");
                proxy.restore();
                Job done = awaitState(orch, j.getId(), "SUCCEEDED", Duration.ofSeconds(60));
                assertEquals(1, done.getAttempt(), "never LOST, never run twice");
                assertTrue(done.getEventsList().stream().map(JobEvent::getState).noneMatch("LOST"::equals));
                List<String> lines = new ArrayList<>();
                orch.jobs().withDeadlineAfter(30, TimeUnit.SECONDS)
                        .streamLogs(StreamLogsRequest.newBuilder().setJobId(j.getId()).build())
                        .forEachRemaining(b -> b.getLinesList().forEach(l -> lines.add(l.getText())));
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    expected.add("tick " + i);
                }
                assertEquals(expected, lines, "the lines written during the cut arrived after it, in order, once");

                // a long cut: LOST, placed again on the other node, and the stale copy stopped on return
                try (Instance b = Instance.agent(root, "b", orch)) {
                    // only a is up when it is placed: it runs on a
                    Job k = orch.jobs().withDeadlineAfter(10, TimeUnit.SECONDS)
                            .submitJob(SubmitJobRequest.newBuilder().setSpec(ticker("long", 200)).build());
                    Job first = awaitState(orch, k.getId(), "RUNNING", Duration.ofSeconds(30));
                    String firstRun = first.getRunId();
                    String firstNode = first.getNodeId();
                    runIds.add(firstRun);
                    assertEquals("a", nodeName(orch, firstNode));
                    b.start();
                    proxy.cut();
                    Instance.await(Duration.ofSeconds(30), () -> {
                        Job now = job(orch, k.getId());
                        return now.getState().equals("RUNNING") && !now.getRunId().equals(firstRun);
                    }, () -> "the job to run again elsewhere: " + job(orch, k.getId()));
                    Job moved = job(orch, k.getId());
                    runIds.add(moved.getRunId());
                    assertNotEquals(firstNode, moved.getNodeId());
                    assertTrue(moved.getEventsList().stream().map(JobEvent::getState).anyMatch("LOST"::equals));
                    assertTrue(runs(firstRun), "the cut-off node still runs its copy while cut off");
                    proxy.restore();
                    Instance.await(Duration.ofSeconds(30), () -> !runs(firstRun),
                            () -> "the stale copy " + firstRun + " to be stopped once its node is back");
                    assertTrue(runs(moved.getRunId()), "the new copy runs on");
                    assertEquals("RUNNING", job(orch, k.getId()).getState());
                }
            }
        }
    }

    static String nodeName(Instance orch, String nodeId) {
        return orch.grpc().getNode(io.orchion.proto.v1.GetNodeRequest.newBuilder().setNodeId(nodeId).build()).getName();
    }

    static List<String> texts(List<LogLine> lines) {
        return lines.stream().map(LogLine::getText).toList();
    }
}
