package io.orchion.gateway.internal;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses the replica for each request: the one with the fewest requests in flight, below a
 * bound per replica. When every replica of a model is at its bound the request waits in the
 * model's queue (bounded; a full queue is refused at once, so a flood turns into 429s instead of
 * memory), and a slot freed goes to the oldest waiter it fits. A wait longer than the queue's
 * timeout is given up. Nothing here blocks a thread: a request holds a future, not a thread.
 */
final class Balancer {
    /** A replica's slot, held for one request; released exactly once however the request ends. */
    final class Lease {
        final Upstream upstream;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(Upstream upstream) {
            this.upstream = upstream;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                Balancer.this.release(upstream);
            }
        }
    }

    /** The model's queue is full: refused at once (429). */
    static final class Busy extends Exception {
        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(message, null, false, false);
        }
    }

    /** The request waited its whole queue timeout without a free slot (503). */
    static final class Waited extends Exception {
        private static final long serialVersionUID = 1L;

        Waited(String message) {
            super(message, null, false, false);
        }
    }

    private record Waiter(List<Upstream> candidates, Set<URI> exclude, CompletableFuture<Lease> future) {
    }

    /** Told each model's calls in flight and waiting whenever either changes (cheap; called under the lock). */
    @FunctionalInterface
    interface LoadListener {
        void load(String model, int inFlight, int waiting);

        LoadListener NONE = (model, inFlight, waiting) -> {
        };
    }

    private final int perReplica;
    private final int queueLimit;
    private final Duration queueTimeout;
    private final ScheduledExecutorService timer;
    /** Guarded by this. */
    private final Map<URI, Integer> inFlight = new HashMap<>();
    /** Guarded by this. */
    private final Map<String, Deque<Waiter>> queues = new HashMap<>();
    /** Guarded by this: calls in flight by model. */
    private final Map<String, Integer> modelInFlight = new HashMap<>();
    private final LoadListener listener;
    /** Guarded by this: where the search for the least busy replica starts, so that ties take turns. */
    private int turn;

    Balancer(int perReplica, int queueLimit, Duration queueTimeout, ScheduledExecutorService timer) {
        this(perReplica, queueLimit, queueTimeout, timer, LoadListener.NONE);
    }

    Balancer(int perReplica, int queueLimit, Duration queueTimeout, ScheduledExecutorService timer,
            LoadListener listener) {
        this.listener = listener;
        this.perReplica = perReplica;
        this.queueLimit = queueLimit;
        this.queueTimeout = queueTimeout;
        this.timer = timer;
    }

    /**
     * A slot on one of {@code candidates} (none of {@code exclude}), now or when one frees up; the
     * future fails with {@link Busy} when the model's queue is full and with {@link Waited} after
     * the queue's timeout.
     */
    CompletableFuture<Lease> acquire(String model, List<Upstream> candidates, Set<URI> exclude) {
        Waiter w;
        synchronized (this) {
            Upstream u = pick(candidates, exclude);
            if (u != null) {
                return CompletableFuture.completedFuture(take(u));
            }
            Deque<Waiter> q = queues.computeIfAbsent(model, m -> new ArrayDeque<>());
            if (q.size() >= queueLimit) {
                return CompletableFuture.failedFuture(new Busy("model '" + model + "' has " + q.size()
                        + " requests waiting already, every replica busy; retry shortly"));
            }
            w = new Waiter(List.copyOf(candidates), Set.copyOf(exclude), new CompletableFuture<>());
            q.add(w);
            tell(model);
        }
        timer.schedule(() -> {
            boolean removed;
            synchronized (this) {
                Deque<Waiter> q = queues.get(model);
                removed = q != null && q.remove(w);
                if (removed) {
                    tell(model);
                }
            }
            if (removed) {
                w.future().completeExceptionally(new Waited("no replica of model '" + model + "' was free within "
                        + queueTimeout.toSeconds() + " s"));
            }
        }, queueTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return w.future();
    }

    /** Requests in flight on {@code base}. */
    synchronized int inFlight(URI base) {
        return inFlight.getOrDefault(base, 0);
    }

    /** Requests waiting for a slot on a replica of {@code model}. */
    synchronized int waiting(String model) {
        Deque<Waiter> q = queues.get(model);
        return q == null ? 0 : q.size();
    }

    private Upstream pick(List<Upstream> candidates, Set<URI> exclude) {
        Upstream best = null;
        int least = Integer.MAX_VALUE;
        int n = candidates.size();
        for (int i = 0; i < n; i++) {
            Upstream u = candidates.get((turn + i) % n);
            if (exclude.contains(u.base())) {
                continue;
            }
            int busy = inFlight.getOrDefault(u.base(), 0);
            if (busy < perReplica && busy < least) {
                best = u;
                least = busy;
            }
        }
        if (best != null) {
            turn++;
        }
        return best;
    }

    private Lease take(Upstream u) {
        inFlight.merge(u.base(), 1, Integer::sum);
        modelInFlight.merge(u.model(), 1, Integer::sum);
        tell(u.model());
        return new Lease(u);
    }

    private void tell(String model) {
        listener.load(model, modelInFlight.getOrDefault(model, 0), waiting(model));
    }

    private void release(Upstream u) {
        List<Map.Entry<Waiter, Lease>> granted = new ArrayList<>();
        synchronized (this) {
            inFlight.computeIfPresent(u.base(), (k, v) -> v > 1 ? v - 1 : null);
            modelInFlight.computeIfPresent(u.model(), (k, v) -> v > 1 ? v - 1 : null);
            tell(u.model());
            for (Map.Entry<String, Deque<Waiter>> e : queues.entrySet()) {
                for (Iterator<Waiter> it = e.getValue().iterator(); it.hasNext();) {
                    Waiter w = it.next();
                    Upstream free = pick(w.candidates(), w.exclude());
                    if (free != null) {
                        it.remove();
                        granted.add(Map.entry(w, take(free)));
                    }
                }
            }
        }
        // completed outside the lock: what the waiter does next must not run under it
        for (Map.Entry<Waiter, Lease> g : granted) {
            if (!g.getKey().future().complete(g.getValue())) {
                g.getValue().release(); // the waiter went away meanwhile
            }
        }
    }
}
