package io.orchion.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.orchion.api.health.HealthReport;
import io.orchion.api.health.HealthReport.State;
import io.orchion.metrics.internal.HeapWatch.Heap;
import io.orchion.metrics.internal.HeapWatch.Oom;

/** When the orchestrator says it is in trouble, and why. */
class HeapWatchTest {
    static final long MIB = 1 << 20;
    static final Instant NOW = Instant.parse("2026-12-02T09:00:00Z");

    /** The old generation, {@code percent} full after its last collection and now, of 100 MiB. */
    static Heap heap(int percent) {
        return new Heap(percent * MIB, percent * MIB, 100 * MIB);
    }

    @Test
    void aHeapBelowTheThresholdIsUp() {
        assertEquals(HealthReport.UP, HeapWatch.judge(heap(84), null, NOW));
        assertEquals(HealthReport.UP, HeapWatch.judge(null, null, NOW), "no pool to read: nothing to report");
    }

    @Test
    void crossingTheThresholdAfterACollectionIsDegradedWithTheReason() {
        HealthReport r = HeapWatch.judge(heap(85), null, NOW);
        assertEquals(State.DEGRADED, r.state());
        assertEquals(1, r.reasons().size(), r.reasons().toString());
        assertTrue(r.reasons().get(0).startsWith("heap 85% full after garbage collection (85 of 100 MiB"),
                r.reasons().get(0));
    }

    @Test
    void aNearlyFullHeapIsDown() {
        HealthReport r = HeapWatch.judge(heap(96), null, NOW);
        assertEquals(State.DOWN, r.state());
        assertTrue(r.reasons().get(0).contains("heap 96% full"), r.reasons().toString());
    }

    @Test
    void aStaleRecordOfAFullHeapDoesNotOutliveTheMemoryFreedSince() {
        // the pool recorded 90% at its last collection, but only 40% is in use now
        assertEquals(HealthReport.UP, HeapWatch.judge(new Heap(90 * MIB, 40 * MIB, 100 * MIB), null, NOW));
        // and a heap that fills between collections is not trouble until a collection cannot empty it
        assertEquals(HealthReport.UP, HeapWatch.judge(new Heap(30 * MIB, 99 * MIB, 100 * MIB), null, NOW));
    }

    @Test
    void anOutOfMemoryErrorIsDownForAMinuteAndDegradedForTen() {
        Oom oom = new Oom(NOW, "POST /api/jobs");
        HealthReport justNow = HeapWatch.judge(heap(10), oom, NOW.plusSeconds(5));
        assertEquals(State.DOWN, justNow.state());
        assertEquals(List.of("out of memory 5 s ago, serving POST /api/jobs"), justNow.reasons());
        assertEquals(State.DEGRADED, HeapWatch.judge(heap(10), oom, NOW.plus(Duration.ofMinutes(5))).state());
        assertEquals(HealthReport.UP, HeapWatch.judge(heap(10), oom, NOW.plus(Duration.ofMinutes(11))));
    }

    @Test
    void everyReasonIsGivenAndTheWorstStateWins() {
        HealthReport r = HeapWatch.judge(heap(90), new Oom(NOW, "GET /api/jobs"), NOW.plusSeconds(1));
        assertEquals(State.DOWN, r.state());
        assertEquals(2, r.reasons().size(), r.reasons().toString());
    }

    @Test
    void theWatchReadsTheRealOldGeneration() {
        // this JVM's own pool: the one the JDK documents as holding what survives collections
        var pool = HeapWatch.oldGeneration();
        assertTrue(pool != null && pool.isCollectionUsageThresholdSupported(), "no old generation pool found");
        HeapWatch watch = new HeapWatch(pool, () -> NOW);
        try {
            assertEquals(pool.getUsage().getMax() * HeapWatch.DEGRADED_PERCENT / 100,
                    pool.getCollectionUsageThreshold(), "the JVM's collection usage threshold is the degraded mark");
            watch.outOfMemory("GET /api/nodes");
            HealthReport r = watch.now();
            assertEquals(State.DOWN, r.state());
            assertTrue(r.reasons().contains("out of memory 0 s ago, serving GET /api/nodes"), r.reasons().toString());
        } finally {
            watch.deactivate();
        }
    }
}
