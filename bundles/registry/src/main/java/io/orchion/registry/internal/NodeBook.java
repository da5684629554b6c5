package io.orchion.registry.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.Validation;
import io.orchion.api.node.Capabilities;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeListener.Change;
import io.orchion.api.node.NodeRegistration;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.node.NodeStore;
import io.orchion.api.node.Telemetry;
import io.orchion.api.runtime.Allowance;

/**
 * The registry's state and rules, free of OSGi and threads so tests drive it with a fixed clock.
 * Heartbeats only touch memory; joins, drains, removals and status changes are written to the
 * store before they are visible. Every method returns the changes it made, for the caller to
 * announce outside the lock.
 */
final class NodeBook {
    /** How stale a stored last-seen time may get before a sweep writes it again. */
    static final Duration LAST_SEEN_FLUSH = Duration.ofSeconds(60);

    record Event(Change change, Node node) {
    }

    /** A node after a change, and the events the change caused. */
    record Result(Node node, List<Event> events) {
    }

    private final NodeStore store;
    private final InstantSource clock;
    private final Map<String, Node> nodes = new HashMap<>();
    /** Last time each node was heard, at least the time this book was loaded (a grace after restart). */
    private final Map<String, Instant> heard = new HashMap<>();
    private final Map<String, Instant> persistedSeen = new HashMap<>();
    /** Recent telemetry per node, oldest first; in memory only (a window, not history). */
    private final Map<String, java.util.ArrayDeque<Telemetry>> window = new HashMap<>();
    static final int WINDOW = 360; // 30 minutes at the default 5 s heartbeat
    private volatile RegistryOptions options;

    NodeBook(NodeStore store, InstantSource clock, RegistryOptions options) {
        this.store = store;
        this.clock = clock;
        this.options = options;
        Instant loaded = clock.instant();
        for (Node n : store.loadAll()) {
            nodes.put(n.id(), n);
            Instant seen = n.lastSeen() == null ? loaded : n.lastSeen();
            heard.put(n.id(), seen.isAfter(loaded) ? seen : loaded);
            persistedSeen.put(n.id(), seen);
        }
    }

    RegistryOptions options() {
        return options;
    }

    void options(RegistryOptions options) {
        this.options = options;
    }

    synchronized List<Event> register(NodeRegistration r) {
        String id = Validation.nodeId("node.id", r.id() == null ? null : r.id().trim());
        String hostname = Validation.name("node.hostname", required("node.hostname", r.hostname()));
        Capabilities caps = r.capabilities() == null ? Capabilities.unknown() : r.capabilities();
        String name = r.name() == null || r.name().isBlank() ? hostname : Validation.name("node.name", r.name().trim());
        Validation.labels("node.capabilities.labels", caps.labels());
        Instant now = clock.instant();
        Node old = nodes.get(id);
        boolean drained = old != null && old.drained();
        // what an admin allowed stays: an agent never grants itself anything
        Node node = new Node(id, name, hostname, nz(r.agentAddress()), nz(r.agentVersion()), caps,
                drained ? NodeStatus.DRAINING : NodeStatus.READY, drained, old == null ? now : old.registeredAt(),
                now, old == null ? null : old.telemetry(), old == null ? Set.of() : old.allowed());
        store.save(node);
        nodes.put(id, node);
        heard.put(id, now);
        persistedSeen.put(id, now);
        return List.of(new Event(Change.JOINED, node));
    }

    /** The node after the heartbeat, and the event it caused if it was DOWN. */
    synchronized Result heartbeat(String nodeId, Telemetry telemetry) {
        Node old = known(nodeId);
        Instant now = clock.instant();
        heard.put(nodeId, now);
        NodeStatus status = old.drained() ? NodeStatus.DRAINING : NodeStatus.READY;
        Node node = with(old, status, now, telemetry == null ? old.telemetry() : telemetry);
        nodes.put(nodeId, node);
        if (telemetry != null) {
            var w = window.computeIfAbsent(nodeId, k -> new java.util.ArrayDeque<>());
            if (w.size() >= WINDOW) {
                w.removeFirst();
            }
            w.addLast(telemetry);
        }
        if (old.status() == NodeStatus.DOWN) {
            store.save(node);
            persistedSeen.put(nodeId, now);
            return new Result(node, List.of(new Event(Change.STATUS, node)));
        }
        return new Result(node, List.of());
    }

    synchronized Result drain(String nodeId, boolean drain) {
        Node old = known(nodeId);
        NodeStatus status = old.status() == NodeStatus.DOWN ? NodeStatus.DOWN
                : drain ? NodeStatus.DRAINING : NodeStatus.READY;
        Node node = new Node(old.id(), old.name(), old.hostname(), old.agentAddress(), old.agentVersion(),
                old.capabilities(), status, drain, old.registeredAt(), old.lastSeen(), old.telemetry(), old.allowed());
        store.save(node);
        nodes.put(nodeId, node);
        return new Result(node, old.drained() == drain ? List.of() : List.of(new Event(Change.DRAINED, node)));
    }

    /** Adds (or with {@code allow == false} removes) allowances; stored before it is visible. */
    synchronized Result allow(String nodeId, Set<Allowance> which, boolean allow) {
        Node old = known(nodeId);
        Set<Allowance> next = old.allowed().isEmpty() ? EnumSet.noneOf(Allowance.class) : EnumSet.copyOf(old.allowed());
        if (allow) {
            next.addAll(which);
        } else {
            next.removeAll(which);
        }
        if (next.equals(old.allowed())) {
            return new Result(old, List.of());
        }
        Node node = new Node(old.id(), old.name(), old.hostname(), old.agentAddress(), old.agentVersion(),
                old.capabilities(), old.status(), old.drained(), old.registeredAt(), old.lastSeen(), old.telemetry(),
                next);
        store.save(node);
        nodes.put(nodeId, node);
        return new Result(node, List.of(new Event(Change.ALLOWED, node)));
    }

    synchronized List<Event> unregister(String nodeId) {
        Node old = known(nodeId);
        store.delete(nodeId);
        forget(nodeId);
        return List.of(new Event(Change.UNREGISTERED, old));
    }

    /** Marks silent nodes DOWN, forgets long-silent ones, and refreshes stale stored last-seen times. */
    synchronized List<Event> sweep() {
        Instant now = clock.instant();
        RegistryOptions o = options;
        List<Event> events = new ArrayList<>();
        List<Node> refresh = new ArrayList<>();
        for (Node n : List.copyOf(nodes.values())) {
            Duration silent = Duration.between(heard.get(n.id()), now);
            if (silent.compareTo(o.forgetAfter()) > 0) {
                store.delete(n.id());
                forget(n.id());
                events.add(new Event(Change.FORGOTTEN, n));
            } else if (silent.compareTo(o.downAfter()) > 0 && n.status() != NodeStatus.DOWN) {
                Node down = with(n, NodeStatus.DOWN, n.lastSeen(), n.telemetry());
                store.save(down);
                nodes.put(n.id(), down);
                persistedSeen.put(n.id(), down.lastSeen());
                events.add(new Event(Change.STATUS, down));
            } else if (n.lastSeen() != null && persistedSeen.get(n.id()) != null
                    && Duration.between(persistedSeen.get(n.id()), n.lastSeen()).compareTo(LAST_SEEN_FLUSH) > 0) {
                refresh.add(n);
            }
        }
        for (Node n : refresh) {
            store.save(n);
            persistedSeen.put(n.id(), n.lastSeen());
        }
        return events;
    }

    synchronized List<Node> list() {
        List<Node> all = new ArrayList<>(nodes.values());
        all.sort(Comparator.comparing(Node::name).thenComparing(Node::id));
        return all;
    }

    synchronized Optional<Node> get(String nodeId) {
        if (nodeId == null || nodeId.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(nodes.get(Validation.nodeId("node_id", nodeId)));
    }

    synchronized List<Telemetry> telemetry(String nodeId) {
        known(nodeId);
        var w = window.get(nodeId);
        return w == null ? List.of() : List.copyOf(w);
    }

    synchronized Collection<Node> all() {
        return List.copyOf(nodes.values());
    }

    private void forget(String nodeId) {
        nodes.remove(nodeId);
        heard.remove(nodeId);
        persistedSeen.remove(nodeId);
        window.remove(nodeId);
    }

    private Node known(String nodeId) {
        Node node = nodes.get(Validation.nodeId("node_id", nodeId));
        if (node == null) {
            throw new NotFoundException("node", nodeId);
        }
        return node;
    }

    private static Node with(Node n, NodeStatus status, Instant lastSeen, Telemetry telemetry) {
        return new Node(n.id(), n.name(), n.hostname(), n.agentAddress(), n.agentVersion(), n.capabilities(), status,
                n.drained(), n.registeredAt(), lastSeen, telemetry, n.allowed());
    }

    private static String required(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidArgumentException(field, "required, but empty");
        }
        return value.trim();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
