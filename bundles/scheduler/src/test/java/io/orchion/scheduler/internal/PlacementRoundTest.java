package io.orchion.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.orchion.api.job.Constraint;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.runtime.Allowance;
import io.orchion.api.scheduler.NodeSlot;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.scheduler.binpacking.internal.BinPackingStrategy;
import io.orchion.scheduler.testing.Fixtures;

class PlacementRoundTest {

    static Candidate node(String id, NodeStatus status, Set<String> runtimes, NodeSlot slot, Map<String, String> labels) {
        NodeSlot s = new NodeSlot(id, id, labels, slot.cpuTotal(), slot.cpuFree(), slot.memoryTotal(),
                slot.memoryFree(), slot.gpus());
        return new Candidate(status, runtimes, s);
    }

    static JobSpec job(String name, String runtime, ResourceRequest r, int priority, List<Constraint> constraints) {
        return new JobSpec(name, runtime, Map.of(), r, constraints, priority, RestartPolicy.NONE, null, Map.of());
    }

    static PlacementRound.Pending pending(String id, long seq, JobSpec spec) {
        return new PlacementRound.Pending(id, seq, spec);
    }

    final List<Candidate> cluster = List.of(
            node("pi-1", NodeStatus.READY, Set.of("process"), Fixtures.cpuNode("x", 4, 4), Map.of("arch", "arm64")),
            node("pi-2", NodeStatus.READY, Set.of("process"), Fixtures.cpuNode("x", 4, 4), Map.of("arch", "arm64")),
            node("box", NodeStatus.READY, Set.of("process", "docker"), Fixtures.gpuNode("x", 16, 64, 24),
                    Map.of("arch", "amd64")),
            node("old", NodeStatus.DOWN, Set.of("process", "docker"), Fixtures.cpuNode("x", 64, 256),
                    Map.of("arch", "amd64")));

    @Test
    void aJobThatFitsNowhereSaysHowManyNodesEachFilterRemoved() {
        // the Pis run no docker, box is amd64, old is DOWN
        var docker = job("d", "docker", Fixtures.cpu(1, 8), 100, List.of(new Constraint("arch", List.of("arm64"), null, null)));
        var out2 = PlacementRound.run(List.of(pending("j2", 1, docker)), cluster, new BinPackingStrategy());
        assertTrue(out2.placed().isEmpty());
        assertEquals("4 nodes: 2 had no docker runtime, 1 did not match arch in [arm64], 1 was DOWN",
                out2.pendingWhy().get("j2"));
    }

    @Test
    void memoryShortfallIsExplainedInUnits() {
        var huge = job("huge", "process", Fixtures.cpu(1, 100), 100, List.of());
        var out = PlacementRound.run(List.of(pending("j", 1, huge)), cluster, new BinPackingStrategy());
        assertEquals("4 nodes: 3 lacked 100.0 GiB free memory, 1 was DOWN", out.pendingWhy().get("j"));
    }

    @Test
    void higherPriorityJobsAreServedFirstAndReservationsCarryOverInTheRound() {
        // given room on box for one 12-core job only
        var low = job("low", "docker", Fixtures.cpu(12, 1), 10, List.of());
        var high = job("high", "docker", Fixtures.cpu(12, 1), 500, List.of());
        var out = PlacementRound.run(List.of(pending("low", 1, low), pending("high", 2, high)), cluster,
                new BinPackingStrategy());
        assertEquals(List.of("high"), out.placed().stream().map(PlacementRound.Decision::jobId).toList());
        assertEquals("4 nodes: 2 had no docker runtime, 1 lacked 12 cores free CPU, 1 was DOWN",
                out.pendingWhy().get("low"));
    }

    @Test
    void noNodesAtAll() {
        var j = job("x", "process", Fixtures.cpu(1, 1), 100, List.of());
        assertEquals("no nodes have joined",
                PlacementRound.run(List.of(pending("x", 1, j)), List.of(), new BinPackingStrategy()).pendingWhy().get("x"));
    }

    @Test
    void aJobNeedingMoreThanTheSandboxGoesOnlyWhereAnAdminAllowedIt() {
        // given a privileged container job, and a cluster where only "trusted" allows privileged
        var privileged = new JobSpec("p", "docker", Map.of(), Fixtures.cpu(1, 1), List.of(), 100, RestartPolicy.NONE,
                null, Map.of(), Set.of(Allowance.PRIVILEGED));
        // when nobody allows it, then it stays pending and says so, counted like the other filters
        var out = PlacementRound.run(List.of(pending("p", 1, privileged)), cluster, new BinPackingStrategy());
        assertTrue(out.placed().isEmpty());
        assertEquals("4 nodes: 2 had no docker runtime, 1 did not allow privileged, 1 was DOWN",
                out.pendingWhy().get("p"));

        // when one node allows host mounts only, it still does not take a privileged job
        Candidate mounts = new Candidate(NodeStatus.READY, Set.of("docker"), Set.of(Allowance.HOST_MOUNTS),
                new NodeSlot("mounts", "mounts", Map.of(), 8, 8, 8L << 30, 8L << 30, List.of()));
        Candidate trusted = new Candidate(NodeStatus.READY, Set.of("docker"),
                Set.of(Allowance.PRIVILEGED, Allowance.HOST_MOUNTS),
                new NodeSlot("trusted", "trusted", Map.of(), 8, 8, 8L << 30, 8L << 30, List.of()));
        out = PlacementRound.run(List.of(pending("p", 1, privileged)), List.of(mounts), new BinPackingStrategy());
        assertEquals("1 node: 1 did not allow privileged", out.pendingWhy().get("p"));

        // then it goes to the node that allows it
        out = PlacementRound.run(List.of(pending("p", 1, privileged)), List.of(mounts, trusted),
                new BinPackingStrategy());
        assertEquals(List.of("trusted"), out.placed().stream().map(d -> d.placement().nodeId()).toList());
    }
}
