package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.proto.v1.GetJobRequest;
import io.orchion.proto.v1.GetNodeRequest;
import io.orchion.proto.v1.Job;
import io.orchion.proto.v1.LogLine;
import io.orchion.proto.v1.Node;
import io.orchion.proto.v1.StreamLogsRequest;
import io.orchion.proto.v1.SubmitJobRequest;

/**
 * Runtimes on the real distribution: an orchestrator and two agents, one with the Docker engine
 * that {@code .ci/docker-up} starts and one pointed at an engine that is not there. Containers
 * are checked with the engine itself (the docker CLI); logs are followed through gRPC.
 */
class RuntimesIT {
    static final String IMAGE = "orchion-test/busybox:1";
    @TempDir
    Path root;
    final List<String> containersToRemove = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (String label : containersToRemove) {
            for (String id : docker("ps", "-aq", "--filter", "label=io.orchion.run-id=" + label).split("\\s+")) {
                if (!id.isBlank()) {
                    docker("rm", "-f", id);
                }
            }
        }
    }

    static String docker(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out.trim();
    }

    static Job submit(Instance orch, String yaml) {
        return orch.jobs().withDeadlineAfter(10, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder().setSpec(yaml).build());
    }

    static Job job(Instance orch, String id) {
        return orch.jobs().withDeadlineAfter(10, TimeUnit.SECONDS).getJob(GetJobRequest.newBuilder().setJobId(id).build());
    }

    static Job awaitState(Instance orch, String id, String state, Duration timeout) throws Exception {
        Instance.await(timeout, () -> job(orch, id).getState().equals(state), () -> id + " to be " + state + ": "
                + job(orch, id));
        return job(orch, id);
    }

    static List<LogLine> logs(Instance orch, String id, boolean follow) {
        List<LogLine> lines = new ArrayList<>();
        orch.jobs().withDeadlineAfter(120, TimeUnit.SECONDS)
                .streamLogs(StreamLogsRequest.newBuilder().setJobId(id).setFollow(follow).build())
                .forEachRemaining(b -> lines.addAll(b.getLinesList()));
        return lines;
    }

    static Node node(Instance orch, String name) {
        return orch.grpc().listNodes(io.orchion.proto.v1.ListNodesRequest.getDefaultInstance()).getNodesList().stream()
                .filter(n -> n.getName().equals(name)).findFirst().orElseThrow();
    }

    static String onBox(String body) {
        return body + "constraints: [{ label: zone, in: [box] }]\n";
    }

    @Test
    void containersRunWithTheirLimitsSurviveAnAgentRestartAndFailWithReasons() throws Exception {
        try (Instance orch = Instance.orchestrator(root, "orch")) {
            // an agent restart must not make the node DOWN in this test
            orch.conf("io.orchion.registry", "down.after.ms = 120000\n");
            orch.start();
            try (Instance box = Instance.agent(root, "box", orch, "--label", "zone=box");
                    Instance nodock = Instance.agent(root, "nodock", orch, "--label", "zone=nodock")) {
                nodock.conf("io.orchion.runtime.docker", "host = unix:///nonexistent/docker.sock\n");
                box.start();
                nodock.start();

                // only the node with an engine offers docker; the other says why not
                Instance.await(Duration.ofSeconds(30), () -> node(orch, "box").getCapabilities().getRuntimesList()
                        .contains("docker"), () -> "box to offer docker: " + node(orch, "box"));
                Instance.await(Duration.ofSeconds(30), () -> node(orch, "nodock").getCapabilities().getRuntimeInfoList()
                        .stream().anyMatch(r -> r.getName().equals("docker") && !r.getHealthy()
                                && r.getDetail().contains("no Docker engine at unix:///nonexistent/docker.sock")),
                        () -> "nodock to say why it has no docker: " + node(orch, "nodock").getCapabilities());
                assertFalse(node(orch, "nodock").getCapabilities().getRuntimesList().contains("docker"));

                // a container with limits, writing lines across an agent restart
                Job j = submit(orch, onBox("name: counter\nruntime: docker\ndocker:\n  image: " + IMAGE + "\n  pull: never\n"
                        + "  command: [sh, -c, 'for i in $(seq 1 30); do echo line $i; sleep 0.5; done']\n"
                        + "resources: { cpu: 0.5, memory: 48Mi }\n"));
                Job running = awaitState(orch, j.getId(), "RUNNING", Duration.ofSeconds(60));
                String run = running.getRunId();
                containersToRemove.add(run);
                String id = docker("ps", "-q", "--filter", "label=io.orchion.run-id=" + run);
                assertEquals(1, id.lines().count(), "one container for the run");
                assertEquals((48L << 20) + " 500000000",
                        docker("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}", id));

                box.kill9();
                box.start();
                // the restarted agent found its container: still one, still the same run
                assertEquals(id, docker("ps", "-q", "--filter", "label=io.orchion.run-id=" + run));
                Job done = awaitState(orch, j.getId(), "SUCCEEDED", Duration.ofSeconds(60));
                assertEquals(run, done.getRunId());
                assertEquals(1, done.getAttempt());
                List<String> texts = logs(orch, j.getId(), false).stream().filter(l -> l.getStream().equals("stdout"))
                        .map(LogLine::getText).toList();
                List<String> expected = new ArrayList<>();
                for (int i = 1; i <= 30; i++) {
                    expected.add("line " + i);
                }
                assertEquals(expected, texts, "every line once, in order, across the restart");

                // bad input: each a FAILED job with a reason, and the node stays READY
                Job noImage = submit(orch, onBox("name: no-image\nruntime: docker\ndocker: { image: '127.0.0.1:9/nothing/here:1' }\n"));
                assertTrue(awaitState(orch, noImage.getId(), "FAILED", Duration.ofSeconds(60)).getMessage()
                        .contains("cannot be pulled"), job(orch, noImage.getId()).getMessage());
                Job noCommand = submit(orch, onBox("name: no-command\nruntime: docker\ndocker: { image: " + IMAGE + ", pull: never"
                        + ", command: [no-such-program] }\n"));
                assertTrue(awaitState(orch, noCommand.getId(), "FAILED", Duration.ofSeconds(60)).getMessage()
                        .contains("no-such-program"), job(orch, noCommand.getId()).getMessage());
                Job noProgram = submit(orch, onBox("name: no-program\nruntime: process\nprocess: { command: [no-such-program] }\n"));
                assertTrue(awaitState(orch, noProgram.getId(), "FAILED", Duration.ofSeconds(30)).getMessage()
                        .contains("not found on the PATH"), job(orch, noProgram.getId()).getMessage());
                assertEquals(io.orchion.proto.v1.NodeStatus.READY, node(orch, "box").getStatus());
                assertTrue(node(orch, "box").getCapabilities().getRuntimesList().contains("docker"));

                // a host mount needs the node's allowance: the job waits and says why until an
                // admin allows it on that node (through the live shell), then it runs
                Job mount = submit(orch, onBox("name: mount\nruntime: docker\ndocker:\n  image: " + IMAGE + "\n  pull: never\n"
                        + "  command: [sh, -c, 'test -f /host/hostname && echo mounted']\n"
                        + "  volumes: [{ source: /etc, target: /host, readOnly: true }]\n"));
                Instance.await(Duration.ofSeconds(30), () -> job(orch, mount.getId()).getMessage()
                        .contains("did not allow host-mounts"), () -> "the mount job to say why it waits: "
                                + job(orch, mount.getId()));
                assertEquals("PENDING", job(orch, mount.getId()).getState());
                Instance.Shell allow = orch.shell("orchion:node allow box host-mounts");
                assertEquals(0, allow.status(), allow.out() + allow.err());
                assertTrue(allow.out().contains("allows host-mounts"), allow.out());
                Job mounted = awaitState(orch, mount.getId(), "SUCCEEDED", Duration.ofSeconds(60));
                containersToRemove.add(mounted.getRunId());
                assertTrue(logs(orch, mount.getId(), false).stream().anyMatch(l -> l.getText().equals("mounted")));
                Instance.Shell disallow = orch.shell("orchion:node disallow box host-mounts");
                assertEquals(0, disallow.status(), disallow.out() + disallow.err());
                assertTrue(orch.shell("orchion:audit --action node.").out().contains("node.allow"));
            }
        }
    }

    @Test
    void logsFollowLiveInOrderAndTelemetryShowsEachRun() throws Exception {
        try (Instance up = Instance.up(root, "up")) {
            up.start();
            // a follower that starts with the job sees every line once, in order, and ends with it
            Job chatty = submit(up, "name: chatty\nruntime: process\nprocess: { command: [seq, '1', '20000'] }\n");
            List<LogLine> lines = logs(up, chatty.getId(), true);
            assertEquals("SUCCEEDED", job(up, chatty.getId()).getState());
            assertEquals(20000, lines.size());
            for (int i = 0; i < lines.size(); i++) {
                assertEquals(String.valueOf(i + 1), lines.get(i).getText());
                assertEquals(i + 1, lines.get(i).getSeq());
            }
            // a busy run shows up in its node's telemetry with its CPU and memory
            Job busy = submit(up, "name: busy\nruntime: process\nprocess: { command: [sh, -c, 'while :; do :; done'] }\n"
                    + "timeout: 60s\n");
            awaitState(up, busy.getId(), "RUNNING", Duration.ofSeconds(30));
            String nodeId = job(up, busy.getId()).getNodeId();
            Instance.await(Duration.ofSeconds(30), () -> up.grpc().getTelemetry(GetNodeRequest.newBuilder()
                    .setNodeId(nodeId).build()).getSamplesList().stream().flatMap(s -> s.getRunsList().stream())
                    .anyMatch(r -> r.getJobId().equals(busy.getId()) && r.getCpuCores() > 0 && r.getMemoryBytes() > 0),
                    () -> "the busy run in the telemetry window");
            up.jobs().withDeadlineAfter(10, TimeUnit.SECONDS)
                    .cancelJob(io.orchion.proto.v1.CancelJobRequest.newBuilder().setJobId(busy.getId()).build());
            awaitState(up, busy.getId(), "CANCELLED", Duration.ofSeconds(30));
        }
    }
}
