package io.orchion.registry.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.node.Capabilities;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeListener.Change;
import io.orchion.api.node.NodeRegistration;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.node.NodeStore;
import io.orchion.api.node.Telemetry;
import io.orchion.api.runtime.Allowance;

class NodeBookTest {

    /** A store that keeps what it was given, like the MapDB one, minus the disk. */
    static final class MemoryStore implements NodeStore {
        final Map<String, Node> saved = new LinkedHashMap<>();

        @Override
        public void save(Node node) {
            saved.put(node.id(), node);
        }

        @Override
        public void delete(String nodeId) {
            saved.remove(nodeId);
        }

        @Override
        public Collection<Node> loadAll() {
            return List.copyOf(saved.values());
        }
    }

    static final class ManualClock implements InstantSource {
        Instant now = Instant.parse("2026-11-29T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    final MemoryStore store = new MemoryStore();
    final ManualClock clock = new ManualClock();
    final RegistryOptions options = new RegistryOptions(Duration.ofSeconds(1), Duration.ofSeconds(3),
            Duration.ofSeconds(30));

    static NodeRegistration join(String id, String host) {
        return new NodeRegistration(id, host, "", "127.0.0.1:4000", "0.1.0", Capabilities.unknown());
    }

    @Test
    void emptyIdOrHostnameIsRefusedNamingTheField() {
        NodeBook book = new NodeBook(store, clock, options);
        InvalidArgumentException noId = assertThrows(InvalidArgumentException.class, () -> book.register(join("", "h")));
        assertEquals("node.id", noId.field());
        InvalidArgumentException noHost = assertThrows(InvalidArgumentException.class,
                () -> book.register(join("n1", " ")));
        assertEquals("node.hostname", noHost.field());
        assertThrows(InvalidArgumentException.class, () -> book.register(join("bad id/../x", "h")));
        assertTrue(store.saved.isEmpty(), "nothing is stored for a refused join");
    }

    @Test
    void theSameIdentityNeverMakesASecondNode() {
        NodeBook book = new NodeBook(store, clock, options);
        book.register(join("n1", "pi-1"));
        clock.advance(Duration.ofSeconds(1));
        book.register(join("n1", "pi-1-renamed"));
        assertEquals(1, book.list().size());
        assertEquals("pi-1-renamed", book.list().get(0).hostname());
        assertEquals(Instant.parse("2026-11-29T00:00:00Z"), book.list().get(0).registeredAt(),
                "first registration time is kept");
    }

    @Test
    void aSilentNodeGoesDownThenComesBackWithItsDrainKept() {
        NodeBook book = new NodeBook(store, clock, options);
        book.register(join("n1", "pi-1"));
        book.drain("n1", true);
        clock.advance(Duration.ofMillis(2900));
        assertTrue(book.sweep().isEmpty(), "not DOWN before the timeout");
        clock.advance(Duration.ofMillis(200));
        List<NodeBook.Event> events = book.sweep();
        assertEquals(List.of(Change.STATUS), events.stream().map(NodeBook.Event::change).toList());
        assertEquals(NodeStatus.DOWN, book.get("n1").orElseThrow().status());
        assertEquals(NodeStatus.DOWN, store.saved.get("n1").status(), "the status change is stored");

        var back = book.heartbeat("n1", new Telemetry(0.5, 1, 2, clock.instant()));
        assertEquals(NodeStatus.DRAINING, back.node().status(), "drain survives being DOWN");
        assertEquals(List.of(Change.STATUS), back.events().stream().map(NodeBook.Event::change).toList());
        assertEquals(0.5, back.node().telemetry().cpuLoad());
        book.drain("n1", false);
        assertEquals(NodeStatus.READY, book.get("n1").orElseThrow().status());
    }

    @Test
    void aLongSilentNodeIsForgotten() {
        NodeBook book = new NodeBook(store, clock, options);
        book.register(join("n1", "pi-1"));
        clock.advance(Duration.ofSeconds(31));
        List<Change> changes = book.sweep().stream().map(NodeBook.Event::change).toList();
        assertEquals(List.of(Change.FORGOTTEN), changes);
        assertTrue(book.list().isEmpty());
        assertTrue(store.saved.isEmpty());
    }

    @Test
    void unknownNodesAreNotFound() {
        NodeBook book = new NodeBook(store, clock, options);
        assertThrows(NotFoundException.class, () -> book.heartbeat("ghost", null));
        assertThrows(NotFoundException.class, () -> book.drain("ghost", true));
        assertThrows(NotFoundException.class, () -> book.unregister("ghost"));
    }

    @Test
    void aRestartedRegistryKnowsItsNodesAndGivesThemAGracePeriod() {
        NodeBook before = new NodeBook(store, clock, options);
        before.register(join("n1", "pi-1"));
        before.register(join("n2", "pi-2"));
        before.drain("n2", true);
        before.unregister("n1");
        // the orchestrator is down for a minute, far longer than the DOWN timeout
        clock.advance(Duration.ofSeconds(20));
        NodeBook after = new NodeBook(store, clock, options);
        assertEquals(List.of("n2"), after.list().stream().map(Node::id).toList());
        assertTrue(after.get("n2").orElseThrow().drained());
        assertTrue(after.sweep().isEmpty(), "agents get the DOWN timeout to come back after a restart");
        clock.advance(Duration.ofSeconds(4));
        assertEquals(NodeStatus.DOWN, after.sweep().get(0).node().status());
    }

    @Test
    void optionsRefuseBadValuesNamingTheKey() {
        var banana = assertThrows(IllegalArgumentException.class,
                () -> RegistryOptions.parse(Map.of("down.after.ms", "banana")));
        assertTrue(banana.getMessage().contains("down.after.ms") && banana.getMessage().contains("banana"));
        var typo = assertThrows(IllegalArgumentException.class,
                () -> RegistryOptions.parse(Map.of("heartbeat.intervall.ms", "5")));
        assertTrue(typo.getMessage().contains("heartbeat.intervall.ms"));
        var order = assertThrows(IllegalArgumentException.class,
                () -> RegistryOptions.parse(Map.of("heartbeat.interval.ms", "5000", "down.after.ms", "1000")));
        assertTrue(order.getMessage().contains("must be longer"));
        assertEquals(Duration.ofMillis(700),
                RegistryOptions.parse(Map.of("heartbeat.interval.ms", "700", "service.pid", "x")).heartbeatInterval());
    }

    @Test
    void allowancesAreStoredAndSurviveARestartAndARejoin() {
        // given a node an admin allowed host mounts and privileged containers, then took privileged back
        NodeBook before = new NodeBook(store, clock, options);
        before.register(join("n1", "pi-1"));
        assertEquals(Set.of(), before.get("n1").orElseThrow().allowed(), "nothing is allowed by default");
        var allowed = before.allow("n1", Set.of(Allowance.HOST_MOUNTS, Allowance.PRIVILEGED), true);
        assertEquals(List.of(Change.ALLOWED), allowed.events().stream().map(NodeBook.Event::change).toList());
        before.allow("n1", Set.of(Allowance.PRIVILEGED), false);
        assertEquals(Set.of(Allowance.HOST_MOUNTS), store.saved.get("n1").allowed(), "stored before it is visible");

        // when the orchestrator restarts and the agent joins again
        NodeBook after = new NodeBook(store, clock, options);
        assertEquals(Set.of(Allowance.HOST_MOUNTS), after.get("n1").orElseThrow().allowed());
        after.register(join("n1", "pi-1"));

        // then the policy is the admin's, not the agent's
        assertEquals(Set.of(Allowance.HOST_MOUNTS), after.get("n1").orElseThrow().allowed());
        after.drain("n1", true);
        clock.advance(Duration.ofSeconds(4));
        after.sweep();
        assertEquals(Set.of(Allowance.HOST_MOUNTS), after.get("n1").orElseThrow().allowed(), "kept through DOWN");
        assertTrue(after.allow("n1", Set.of(Allowance.HOST_MOUNTS), true).events().isEmpty(), "no change, no event");
        assertThrows(NotFoundException.class, () -> after.allow("ghost", Set.of(Allowance.PRIVILEGED), true));
    }

    @Test
    void malformedIdsNamesAndLabelsAreRefusedBeforeAnyLookup() {
        NodeBook book = new NodeBook(store, clock, options);
        assertEquals("node_id", assertThrows(InvalidArgumentException.class, () -> book.get("../etc")).field());
        assertEquals("node_id", assertThrows(InvalidArgumentException.class, () -> book.drain("a b", true)).field());
        assertEquals("node_id",
                assertThrows(InvalidArgumentException.class, () -> book.heartbeat("x\ny", null)).field());
        assertTrue(book.get("").isEmpty(), "an empty id is simply nobody");
        assertEquals("node.name", assertThrows(InvalidArgumentException.class, () -> book.register(
                new NodeRegistration("n1", "h", "evil\u001b[2Jname", "", "", Capabilities.unknown()))).field());
        assertEquals("node.hostname", assertThrows(InvalidArgumentException.class, () -> book.register(
                new NodeRegistration("n1", "h\nx", "", "", "", Capabilities.unknown()))).field());
        Capabilities badLabel = new Capabilities("", 1, "amd64", 1, "", List.of(), Map.of("-zone", "a"), List.of());
        assertTrue(assertThrows(InvalidArgumentException.class, () -> book.register(
                new NodeRegistration("n1", "h", "", "", "", badLabel))).field().startsWith("node.capabilities.labels"));
        assertTrue(store.saved.isEmpty());
    }
}
