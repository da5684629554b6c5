package io.orchion.scheduler.binpacking.internal;

import static io.orchion.scheduler.testing.Fixtures.GIB;
import static io.orchion.scheduler.testing.Fixtures.cpu;
import static io.orchion.scheduler.testing.Fixtures.cpuNode;
import static io.orchion.scheduler.testing.Fixtures.gpu;
import static io.orchion.scheduler.testing.Fixtures.gpuNode;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.orchion.api.scheduler.NodeSlot;
import io.orchion.scheduler.testing.StrategyHarness;

class BinPackingStrategyTest {

    @Test
    void theFullestNodeIsFilledFirst() {
        // given a small node and a big one, both idle
        var h = new StrategyHarness(new BinPackingStrategy(), List.of(cpuNode("big", 16, 64), cpuNode("small", 4, 16)));
        // then 1-core jobs fill the small node (fuller after each job) before the big one is touched
        assertEquals(List.of("small", "small", "small", "small", "big", "big"),
                h.placeAll(Collections.nCopies(6, cpu(1, 2))));
    }

    @Test
    void aPartlyUsedNodeWinsOverAnIdleOneOfTheSameSize() {
        var h = new StrategyHarness(new BinPackingStrategy(), List.of(cpuNode("a", 8, 32), cpuNode("b", 8, 32)));
        h.place(cpu(1, 4)); // a: tie on an empty cluster goes to the lower id
        assertEquals(List.of("a", "a", "a"), h.placeAll(Collections.nCopies(3, cpu(2, 4))));
    }

    @Test
    void memoryCountsAsMuchAsCpu() {
        // given one node half full on memory, one half full on CPU, and an idle one
        NodeSlot memBusy = new NodeSlot("mem-busy", "mem-busy", Map.of(), 8, 8, 32 * GIB, 16 * GIB, List.of());
        NodeSlot cpuBusy = new NodeSlot("cpu-busy", "cpu-busy", Map.of(), 8, 4, 32 * GIB, 32 * GIB, List.of());
        var job = cpu(1, 1);
        // then both busy nodes score the same after the job, and either beats the idle node
        assertEquals(BinPackingStrategy.score(memBusy.reserve(job, List.of())),
                BinPackingStrategy.score(cpuBusy.reserve(job, List.of())), 1e-9);
        var h = new StrategyHarness(new BinPackingStrategy(), List.of(cpuNode("idle", 8, 32), memBusy, cpuBusy));
        assertEquals("cpu-busy", h.place(job).orElseThrow().nodeId(), "a tie goes to the lower node id");
    }

    @Test
    void gpuMemoryIsPackedTooAndCpuJobsAvoidIdleGpuNodes() {
        var h = new StrategyHarness(new BinPackingStrategy(),
                List.of(gpuNode("gpu-1", 16, 64, 24), gpuNode("gpu-2", 16, 64, 24), cpuNode("cpu", 16, 64)));
        assertEquals(List.of("gpu-1", "gpu-1", "gpu-2"), h.placeAll(List.of(gpu(1, 4, 1, 10), gpu(1, 4, 1, 10),
                gpu(1, 4, 1, 10))));
        // a CPU job goes to the fullest node, gpu-1 (its GPU nearly full), not to the idle CPU node
        assertEquals("gpu-1", h.place(cpu(1, 4)).orElseThrow().nodeId());
    }
}
