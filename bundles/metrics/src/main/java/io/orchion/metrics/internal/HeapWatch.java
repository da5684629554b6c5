package io.orchion.metrics.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.health.HealthReport;
import io.orchion.api.health.HealthReport.State;
import io.orchion.api.health.ProcessHealth;

/**
 * The orchestrator's own health, from what the JVM records at each garbage collection: the old
 * generation (the heap pool that holds what survives, found as the JDK's documentation says: a
 * heap pool that supports a usage threshold) after its last collection, and the last
 * {@link OutOfMemoryError} a front end caught. Nothing here collects garbage: {@link #now()} reads
 * the pool's recorded numbers, so a health probe costs microseconds.
 *
 * <ul>
 * <li>DEGRADED: the old generation is at least {@value #DEGRADED_PERCENT}% full after a collection
 * (the JVM's collection usage threshold is set there, and crossing it is logged), or an
 * OutOfMemoryError was caught in the last {@link #OOM_DEGRADED}.</li>
 * <li>DOWN: at least {@value #DOWN_PERCENT}% full after a collection, or an OutOfMemoryError in the
 * last {@link #OOM_DOWN}.</li>
 * </ul>
 */
@Component(service = ProcessHealth.class)
public class HeapWatch implements ProcessHealth {
    static final int DEGRADED_PERCENT = 85;
    static final int DOWN_PERCENT = 95;
    static final Duration OOM_DOWN = Duration.ofMinutes(1);
    static final Duration OOM_DEGRADED = Duration.ofMinutes(10);
    private static final Logger LOG = LoggerFactory.getLogger(HeapWatch.class);

    /** What the old generation looks like: used after its last collection, used now, its maximum. */
    record Heap(long usedAfterGc, long usedNow, long max) {
    }

    /** The last OutOfMemoryError reported, or null. */
    record Oom(Instant at, String where) {
    }

    private final MemoryPoolMXBean pool;
    private final InstantSource clock;
    private final NotificationListener listener = this::collected;
    private volatile Oom lastOom;
    private volatile Instant lastWarning = Instant.MIN;

    @Activate
    public HeapWatch() {
        this(oldGeneration(), InstantSource.system());
    }

    HeapWatch(MemoryPoolMXBean pool, InstantSource clock) {
        this.pool = pool;
        this.clock = clock;
        if (pool != null && pool.isCollectionUsageThresholdSupported() && max(pool) > 0) {
            pool.setCollectionUsageThreshold(max(pool) * DEGRADED_PERCENT / 100);
            ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).addNotificationListener(listener, null, null);
        }
    }

    @Deactivate
    void deactivate() {
        try {
            ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).removeNotificationListener(listener);
        } catch (ListenerNotFoundException e) {
            // never added: no pool with a collection usage threshold
        }
    }

    @Override
    public HealthReport now() {
        Heap heap = null;
        if (pool != null) {
            MemoryUsage after = pool.getCollectionUsage();
            if (after != null && max(pool) > 0) {
                heap = new Heap(after.getUsed(), pool.getUsage().getUsed(), max(pool));
            }
        }
        return judge(heap, lastOom, clock.instant());
    }

    @Override
    public void outOfMemory(String where) {
        lastOom = new Oom(clock.instant(), where);
        LOG.error("out of memory while serving {}: see /api/health; the heap is set by -Xmx in ORCHION_JAVA_OPTS", where);
    }

    /**
     * The rules, with no JVM in them. The heap counts as full as the smaller of after-collection and
     * now: a collection that freed memory without updating the pool's record (G1's mixed
     * collections) must not leave the process marked degraded.
     */
    static HealthReport judge(Heap heap, Oom oom, Instant now) {
        State state = State.UP;
        List<String> reasons = new ArrayList<>();
        if (heap != null) {
            long used = Math.min(heap.usedAfterGc(), heap.usedNow());
            int percent = (int) (used * 100 / heap.max());
            if (percent >= DEGRADED_PERCENT) {
                state = percent >= DOWN_PERCENT ? State.DOWN : State.DEGRADED;
                reasons.add(String.format(Locale.ROOT, "heap %d%% full after garbage collection (%d of %d MiB in the"
                        + " old generation; %s at %d%%, %s at %d%%)", percent, used >> 20, heap.max() >> 20,
                        "degraded", DEGRADED_PERCENT, "down", DOWN_PERCENT));
            }
        }
        if (oom != null) {
            Duration ago = Duration.between(oom.at(), now);
            if (ago.compareTo(OOM_DEGRADED) < 0) {
                State s = ago.compareTo(OOM_DOWN) < 0 ? State.DOWN : State.DEGRADED;
                state = s.compareTo(state) > 0 ? s : state;
                reasons.add("out of memory " + Math.max(0, ago.toSeconds()) + " s ago, serving " + oom.where());
            }
        }
        return new HealthReport(state, reasons);
    }

    private void collected(Notification n, Object handback) {
        // sent after every collection while the pool stays over the threshold: say it once a minute
        Instant t = clock.instant();
        if (MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(n.getType())
                && t.isAfter(lastWarning.plusSeconds(60))) {
            lastWarning = t;
            LOG.warn("heap: {} (GET /api/health says why)", String.join("; ", now().reasons()));
        }
    }

    private static long max(MemoryPoolMXBean p) {
        long max = p.getUsage().getMax();
        return max > 0 ? max : Runtime.getRuntime().maxMemory();
    }

    /** The heap pool that holds what survives collections: the one with a usage threshold. */
    static MemoryPoolMXBean oldGeneration() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported()) {
                return p;
            }
        }
        return null;
    }
}
