package io.orchion.scheduler.roundrobin.internal;

import static io.orchion.scheduler.testing.Fixtures.cpu;
import static io.orchion.scheduler.testing.Fixtures.cpuNode;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.orchion.scheduler.testing.StrategyHarness;

class RoundRobinStrategyTest {

    @Test
    void jobsRotateAmongTheNodes() {
        var h = new StrategyHarness(new RoundRobinStrategy(),
                List.of(cpuNode("c", 4, 8), cpuNode("a", 4, 8), cpuNode("b", 4, 8)));
        assertEquals(List.of("a", "b", "c", "a", "b", "c"), h.placeAll(Collections.nCopies(6, cpu(1, 1))));
    }

    @Test
    void aFullNodeIsSkippedAndTheRotationGoesOn() {
        // given node b with room for one 2-core job only
        var h = new StrategyHarness(new RoundRobinStrategy(),
                List.of(cpuNode("a", 8, 16), cpuNode("b", 2, 16), cpuNode("c", 8, 16)));
        assertEquals(List.of("a", "b", "c", "a", "c", "a"), h.placeAll(Collections.nCopies(6, cpu(2, 1))));
    }

    @Test
    void aJobThatFitsNowhereStaysPending() {
        var h = new StrategyHarness(new RoundRobinStrategy(), List.of(cpuNode("a", 2, 4), cpuNode("b", 2, 4)));
        assertEquals(List.of("-", "a"), h.placeAll(List.of(cpu(3, 1), cpu(1, 1))));
    }

    @Test
    void aPreviewOnACopyLeavesTheRotationWhereItWas() {
        // given a rotation that placed one job on a
        RoundRobinStrategy real = new RoundRobinStrategy();
        var h = new StrategyHarness(real, List.of(cpuNode("a", 4, 8), cpuNode("b", 4, 8), cpuNode("c", 4, 8)));
        assertEquals(List.of("a"), h.placeAll(List.of(cpu(1, 1))));
        // when a preview places two jobs on a copy
        var preview = new StrategyHarness(real.copy(), List.of(cpuNode("a", 4, 8), cpuNode("b", 4, 8),
                cpuNode("c", 4, 8)));
        assertEquals(List.of("b", "c"), preview.placeAll(Collections.nCopies(2, cpu(1, 1))));
        // then the real rotation goes on from a, as if the preview had not happened
        assertEquals(List.of("b", "c"), h.placeAll(Collections.nCopies(2, cpu(1, 1))));
    }
}
