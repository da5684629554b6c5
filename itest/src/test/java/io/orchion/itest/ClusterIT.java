package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.proto.v1.GetNodeRequest;
import io.orchion.proto.v1.ListNodesRequest;
import io.orchion.proto.v1.Node;
import io.orchion.proto.v1.NodeStatus;

/**
 * An orchestrator and three agent processes, each with its own data folder, on loopback: the
 * node lifecycle a user sees through gRPC, REST and the shell.
 */
class ClusterIT {
    @TempDir
    Path root;

    static final String FAST_LIVENESS = "heartbeat.interval.ms = 500\ndown.after.ms = 2500\nforget.after.ms = 600000\n";

    Map<String, Node> nodesByName(Instance orchestrator) {
        return orchestrator.grpc().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
                .collect(Collectors.toMap(Node::getName, n -> n));
    }

    @Test
    void threeAgentsJoinGoDownWhenKilledAndComeBackAfterAnOrchestratorRestart() throws Exception {
        // given an orchestrator with fast liveness settings and three agents with labels
        Instance orch = Instance.orchestrator(root, "orchestrator");
        Files.writeString(orch.conf.resolve("io.orchion.registry.cfg"), FAST_LIVENESS);
        orch.start();
        try (orch;
                Instance a1 = Instance.agent(root, "pi-1", orch, "--label", "zone=attic").start();
                Instance a2 = Instance.agent(root, "pi-2", orch, "--label", "zone=cellar").start();
                Instance a3 = Instance.agent(root, "gpu-box", orch, "--label", "gpu=true").start()) {

            // then all three are listed through gRPC ...
            Map<String, Node> nodes = nodesByName(orch);
            assertEquals(Set.of("pi-1", "pi-2", "gpu-box"), nodes.keySet());
            assertTrue(nodes.values().stream().allMatch(n -> n.getStatus() == NodeStatus.READY));
            assertEquals("cellar", nodes.get("pi-2").getCapabilities().getLabelsMap().get("zone"));
            assertTrue(nodes.get("pi-1").getCapabilities().getCpuCores() > 0, "CPU cores probed");
            assertTrue(nodes.get("pi-1").getCapabilities().getTotalMemoryBytes() > 0, "memory probed");
            assertTrue(Set.of("amd64", "arm64").contains(nodes.get("pi-1").getCapabilities().getArch()),
                    "architecture normalised: " + nodes.get("pi-1").getCapabilities().getArch());

            // ... REST ...
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> rest = http.send(orch.http("/api/nodes").header("Origin", "http://localhost:5173")
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, rest.statusCode());
            // a dashboard dev server is an allowed origin by default
            assertEquals("http://localhost:5173", rest.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
            for (String name : nodes.keySet()) {
                assertTrue(rest.body().contains("\"name\":\"" + name + "\""), rest.body());
            }
            assertTrue(rest.body().contains("\"status\":\"READY\""), rest.body());

            // ... and the shell
            Instance.Shell shell = orch.shell("orchion:nodes");
            assertEquals(0, shell.status(), shell.err());
            for (String name : nodes.keySet()) {
                assertTrue(shell.out().contains(name), shell.out());
            }

            // when one agent is killed with SIGKILL, it is DOWN within the timeout (2.5 s + a sweep)
            String killedId = nodes.get("gpu-box").getId();
            long killedAt = System.nanoTime();
            a3.kill9();
            Instance.await(Duration.ofSeconds(6), () -> orch.grpc()
                    .getNode(GetNodeRequest.newBuilder().setNodeId(killedId).build()).getStatus() == NodeStatus.DOWN,
                    () -> "gpu-box to be DOWN");
            long downAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
            assertTrue(downAfterMs >= 2000, "not DOWN before the timeout: " + downAfterMs + " ms");
            assertEquals(NodeStatus.READY, nodesByName(orch).get("pi-1").getStatus(), "the others stay READY");

            // when the orchestrator is killed and started again on the same data folder
            orch.kill9();
            int joinsBefore = orch.count("joined from");
            orch.start();

            // then it still knows all three nodes, the killed one included ...
            assertEquals(Set.of("pi-1", "pi-2", "gpu-box"), nodesByName(orch).keySet());
            // ... and the two live agents re-register by themselves
            Instance.await(Duration.ofSeconds(20), () -> {
                try {
                    return orch.count("joined from") >= joinsBefore + 2;
                } catch (Exception e) {
                    return false;
                }
            }, () -> "both agents to re-register:\n" + orch.tail());
            assertEquals(NodeStatus.READY, nodesByName(orch).get("pi-1").getStatus());
            assertEquals(NodeStatus.READY, nodesByName(orch).get("pi-2").getStatus());
            assertEquals(3, nodesByName(orch).size(), "a re-registration never makes a second node");

            // and an agent restarted on its data folder keeps its identity
            String pi2 = nodesByName(orch).get("pi-2").getId();
            a2.stop();
            a2.start();
            assertEquals(pi2, nodesByName(orch).get("pi-2").getId());
            assertEquals(3, orch.grpc().listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount());
        }
    }
}
