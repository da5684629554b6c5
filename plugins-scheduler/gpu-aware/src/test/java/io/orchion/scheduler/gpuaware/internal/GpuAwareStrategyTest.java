package io.orchion.scheduler.gpuaware.internal;

import static io.orchion.scheduler.testing.Fixtures.GIB;
import static io.orchion.scheduler.testing.Fixtures.cpu;
import static io.orchion.scheduler.testing.Fixtures.cpuNode;
import static io.orchion.scheduler.testing.Fixtures.gpu;
import static io.orchion.scheduler.testing.Fixtures.gpuNode;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.orchion.scheduler.testing.StrategyHarness;

class GpuAwareStrategyTest {

    @Test
    void sixGibJobsShareA24GibGpuBeforeOpeningAnIdle80GibOne() {
        // given a 24 GiB card, an 80 GiB card and a CPU-only node
        var h = new StrategyHarness(new GpuAwareStrategy(),
                List.of(gpuNode("rtx", 16, 64, 24), gpuNode("a100", 32, 256, 80), cpuNode("pi", 4, 8)));
        // when five jobs ask for 6 GiB each, then four share the 24 GiB card and the fifth opens the 80 GiB one
        assertEquals(List.of("rtx", "rtx", "rtx", "rtx", "a100"), h.placeAll(Collections.nCopies(5, gpu(1, 2, 1, 6))));
        assertEquals(0, h.node("rtx").gpus().get(0).freeMemoryBytes());
        assertEquals(74 * GIB, h.node("a100").gpus().get(0).freeMemoryBytes());
    }

    @Test
    void aBigModelGoesWhereItFits() {
        var h = new StrategyHarness(new GpuAwareStrategy(),
                List.of(gpuNode("rtx", 16, 64, 24), gpuNode("a100", 32, 256, 80)));
        assertEquals(List.of("a100", "-"), h.placeAll(List.of(gpu(4, 32, 1, 40), gpu(4, 32, 1, 48))));
    }

    @Test
    void aTwoGpuJobTakesTheTwoBestFittingGpusOfANode() {
        var h = new StrategyHarness(new GpuAwareStrategy(), List.of(gpuNode("box", 32, 128, 80, 24, 24)));
        var p = h.place(gpu(2, 8, 2, 20)).orElseThrow();
        assertEquals(List.of(1, 2), p.gpuIndices());
    }

    @Test
    void cpuJobsStayOffGpuNodesWhileOtherNodesHaveRoom() {
        var h = new StrategyHarness(new GpuAwareStrategy(),
                List.of(gpuNode("gpu", 64, 256, 24), cpuNode("pi-1", 4, 8), cpuNode("pi-2", 4, 8)));
        // the two Pis take 2-core jobs until they are full (spreading by free CPU); only then the GPU node
        assertEquals(List.of("pi-1", "pi-2", "pi-1", "pi-2", "gpu"),
                h.placeAll(Collections.nCopies(5, cpu(2, 1))));
    }
}
