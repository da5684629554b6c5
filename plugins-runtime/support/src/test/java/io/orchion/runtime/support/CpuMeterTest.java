package io.orchion.runtime.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuMeterTest {

    @Test
    void coresAreTheCpuTimeUsedPerWallTimeSinceThePreviousSample() {
        // given a meter with a first sample (nothing to compare with yet)
        CpuMeter meter = new CpuMeter();
        assertTrue(meter.cores(1_000, 10_000).isEmpty());
        // when 2 s of CPU are used in 1 s
        double cores = meter.cores(1_000 + 2_000_000_000L, 10_000 + 1_000_000_000L).getAsDouble();
        // then that is two cores
        assertEquals(2.0, cores, 1e-9);
    }

    @Test
    void aTreeThatLostAProcessUsesNoNegativeCpu() {
        // given a meter that saw 5 s of CPU
        CpuMeter meter = new CpuMeter();
        meter.cores(5_000_000_000L, 0);
        // when a child with most of that time has gone
        double cores = meter.cores(1_000_000_000L, 1_000_000_000L).getAsDouble();
        // then the tree used nothing, not minus four cores
        assertEquals(0.0, cores);
    }

    @Test
    void noWallTimeMeansNoRate() {
        CpuMeter meter = new CpuMeter();
        meter.cores(1, 5);
        assertTrue(meter.cores(2, 5).isEmpty());
    }
}
