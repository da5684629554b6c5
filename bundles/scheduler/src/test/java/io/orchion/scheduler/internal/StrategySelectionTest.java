package io.orchion.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.orchion.api.scheduler.SchedulingStrategy;
import io.orchion.scheduler.binpacking.internal.BinPackingStrategy;

class StrategySelectionTest {
    final SchedulingStrategy any = new BinPackingStrategy();

    @Test
    void theConfiguredStrategyWinsWhenInstalledAndTheDefaultCoversForIt() {
        StrategySelection s = new StrategySelection();
        assertEquals("", s.status().active());
        assertTrue(s.status().reason().contains("no scheduling strategy is installed"));
        s.installed("gpu-aware", any);
        s.installed("bin-packing", any);
        assertEquals("gpu-aware", s.status().active(), "the default until configured otherwise");

        assertTrue(s.configure("bin-packing").contains("bin-packing (was gpu-aware)"));
        assertEquals("bin-packing", s.status().active());
        assertEquals("", s.status().reason());

        // when the active strategy's bundle goes away, the default takes over and says why
        String line = s.removed("bin-packing");
        assertTrue(line.contains("gpu-aware (was bin-packing)"), line);
        assertEquals("bin-packing is not installed; using the default, gpu-aware", s.status().reason());
        assertEquals("bin-packing", s.status().configured(), "the operator's choice is kept");

        // and when it comes back, it is used again
        s.installed("bin-packing", any);
        assertEquals("bin-packing", s.status().active());
        assertEquals(List.of("bin-packing", "gpu-aware"), s.status().available());
        assertNull(s.installed("round-robin", any), "no change, nothing to log");
    }

    @Test
    void withoutTheDefaultAnyInstalledStrategyIsUsed() {
        StrategySelection s = new StrategySelection();
        s.installed("round-robin", any);
        s.configure("nope");
        assertEquals("round-robin", s.status().active());
        assertEquals("nope and the default gpu-aware are not installed; using round-robin", s.status().reason());
    }
}
