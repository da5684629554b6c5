package io.orchion.scheduler.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.Job;
import io.orchion.api.job.RunDispatcher;
import io.orchion.api.metrics.Metrics;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeListener;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.node.NodeStatus;

/**
 * The scheduler's one thread: placement rounds (every second, and soon after anything that may
 * free or need room), sending what a round placed, settling the jobs of a node that is gone,
 * reconciling an agent's runs after it connects, and forgetting ended jobs past retention. The
 * rules are the {@link JobBook}'s and {@link PlacementLoop}'s; this only decides when they run.
 */
final class PlacementThread {
    private static final Logger LOG = LoggerFactory.getLogger(PlacementThread.class);

    private final JobBook book;
    private final NodeRegistry registry;
    private final StrategySelection selection;
    private final PlacementLoop placement;
    private final Supplier<RunDispatcher> dispatcher;
    private final Supplier<Metrics> metrics;
    private final Consumer<String> forgotten;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r,
            "orchion-scheduler"));
    private volatile int maxFinished = 10_000;
    private volatile Duration maxAge = Duration.ofDays(7);

    /** @param forgotten told the id of each ended job retention forgot */
    PlacementThread(JobBook book, NodeRegistry registry, StrategySelection selection, Supplier<RunDispatcher> dispatcher,
            Supplier<Metrics> metrics, Consumer<String> forgotten) {
        this.book = book;
        this.registry = registry;
        this.selection = selection;
        this.placement = new PlacementLoop(book);
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.forgotten = forgotten;
    }

    void start() {
        loop.scheduleWithFixedDelay(this::round, 1, 1, TimeUnit.SECONDS);
        loop.scheduleWithFixedDelay(this::compact, 10, 10, TimeUnit.SECONDS);
    }

    void stop() {
        loop.shutdownNow();
    }

    /** How long and how many ended jobs are kept. */
    void retention(Duration age, int finished) {
        this.maxAge = age;
        this.maxFinished = finished;
    }

    /** What the registry says of a node: a node that is gone loses its jobs; anything else may make room. */
    void nodeChanged(NodeListener.Change change, Node node) {
        if (change == NodeListener.Change.STATUS && node.status() == NodeStatus.DOWN) {
            run(() -> lost(node.id(), node.name() + " is DOWN"));
        } else if (change == NodeListener.Change.UNREGISTERED || change == NodeListener.Change.FORGOTTEN) {
            run(() -> lost(node.id(), node.name() + " was removed"));
        } else {
            kick();
        }
    }

    /** Asks for a placement round soon (coalescing is the loop's: rounds are cheap when idle). */
    void kick() {
        run(this::round);
    }

    /** The jobs placed on this node are LOST (and retried as their policy says). */
    void lost(String nodeId, String why) {
        for (Job j : book.nodeLost(nodeId, why)) {
            LOG.warn("job {}: {}", j.id(), j.message());
        }
        kick();
    }

    /**
     * The agent of {@code nodeId} opened a new stream: once it has had time to re-announce its runs
     * (twice the heartbeat interval, at least 5 s), a run placed there that it did not announce is gone.
     */
    void connected(String nodeId) {
        Instant at = Instant.now();
        long grace = Math.max(5_000, 2 * registry.settings().heartbeatInterval().toMillis());
        try {
            loop.schedule(() -> {
                for (Job j : book.reconcile(nodeId, name(nodeId), at)) {
                    LOG.warn("job {}: {}", j.id(), j.message());
                }
                kick();
            }, grace, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // shutting down
        }
    }

    private void run(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException stopping) {
            // shutting down
        }
    }

    private String name(String nodeId) {
        return registry.node(nodeId).map(Node::name).orElse(nodeId);
    }

    /** One round, and the sending of what it placed; a placement that cannot be sent is undone or failed. */
    void round() {
        try {
            String name = selection.status().active();
            long t0 = System.nanoTime();
            PlacementLoop.Round r = placement.round(registry.nodes(), name, selection.active());
            Metrics m = metrics.get();
            if (m != null) {
                r.placed().forEach(j -> m.placement(System.nanoTime() - t0)); // placement latency histogram
            }
            for (Job placed : r.placed()) {
                send(placed, name);
            }
        } catch (RuntimeException e) {
            LOG.error("scheduler: placement round failed: {}", e.toString());
        }
    }

    private void send(Job placed, String strategy) {
        String node = name(placed.nodeId());
        RunDispatcher send = dispatcher.get();
        boolean sent;
        try {
            sent = send != null && send.assign(ServerReference.resolve(placed, book.holding()));
        } catch (InvalidArgumentException undeliverable) {
            // e.g. too big for the agent's stream: it would be on any node, so no retry
            Job failed = book.undeliverable(placed.id(), "cannot be sent to " + node + ": " + undeliverable.getMessage());
            LOG.warn("job {}: {}", failed.id(), failed.message());
            return;
        }
        if (!sent) {
            book.notSent(placed.id(), "the agent of " + node + " is not connected");
        } else {
            LOG.info("job {} placed on {} by {}", placed.id(), node, strategy);
        }
    }

    /** Forgets ended jobs past the retention rule, and says which (their logs go too). */
    void compact() {
        try {
            List<String> gone = book.compact(maxAge, maxFinished);
            if (!gone.isEmpty()) {
                LOG.info("retention: forgot {} finished jobs (keeping at most {} for at most {} ms)", gone.size(),
                        maxFinished, maxAge.toMillis());
                gone.forEach(forgotten);
            }
        } catch (RuntimeException e) {
            LOG.error("retention: compaction failed: {}", e.toString());
        }
    }
}
