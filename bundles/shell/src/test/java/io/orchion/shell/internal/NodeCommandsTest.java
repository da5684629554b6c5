package io.orchion.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.Validation;
import io.orchion.api.node.Capabilities;
import io.orchion.api.node.LivenessSettings;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistration;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.node.Telemetry;
import io.orchion.api.runtime.Allowance;

class NodeCommandsTest {

    /** The registry's contract for what these commands use: ids checked, allowances kept. */
    static final class Registry implements NodeRegistry {
        final Map<String, Node> nodes = new HashMap<>();

        Registry with(String id, String name) {
            nodes.put(id, new Node(id, name, name, "", "", Capabilities.unknown(), NodeStatus.READY, false,
                    Instant.EPOCH, Instant.EPOCH, null));
            return this;
        }

        @Override
        public Optional<Node> node(String nodeId) {
            return nodeId.isEmpty() ? Optional.empty() : Optional.ofNullable(nodes.get(Validation.nodeId("node_id", nodeId)));
        }

        @Override
        public List<Node> nodes() {
            return List.copyOf(nodes.values());
        }

        @Override
        public Node allow(String nodeId, Set<Allowance> allowances, boolean allow) {
            Node n = node(nodeId).orElseThrow(() -> new NotFoundException("node", nodeId));
            Set<Allowance> next = EnumSet.noneOf(Allowance.class);
            next.addAll(n.allowed());
            if (allow) {
                next.addAll(allowances);
            } else {
                next.removeAll(allowances);
            }
            Node changed = new Node(n.id(), n.name(), n.hostname(), n.agentAddress(), n.agentVersion(),
                    n.capabilities(), n.status(), n.drained(), n.registeredAt(), n.lastSeen(), n.telemetry(), next);
            nodes.put(nodeId, changed);
            return changed;
        }

        @Override
        public Node register(NodeRegistration registration) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Node heartbeat(String nodeId, Telemetry telemetry) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Node drain(String nodeId, boolean drain) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Node unregister(String nodeId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Telemetry> telemetry(String nodeId) {
            return List.of();
        }

        @Override
        public LivenessSettings settings() {
            throw new UnsupportedOperationException();
        }
    }

    final Registry registry = new Registry().with("0f3c-node", "gpu box");
    final NodeCommands commands = new NodeCommands(registry);

    @Test
    void anAdminAllowsAndDisallowsByNameAndTheNodeViewSaysSo() {
        // when an admin allows both on the node named "gpu box", then takes privileged back
        Views.Message m = commands.node("allow", "gpu box", new String[] { "privileged", "host-mounts" });
        assertEquals("Node gpu box (0f3c-node) allows privileged, host-mounts; it allows privileged, host-mounts",
                m.text());
        commands.node("disallow", "0f3c", new String[] { "privileged" });
        // then the node allows host mounts only, and its detail view shows it
        assertEquals(Set.of(Allowance.HOST_MOUNTS), registry.nodes.get("0f3c-node").allowed());
        assertTrue(ShellFormats.detail(registry.nodes.get("0f3c-node")).contains("Allowed:       host-mounts"));
    }

    @Test
    void unknownNodesAllowancesAndActionsAreClearErrors() {
        assertThrows(NotFoundException.class, () -> commands.node("allow", "ghost", new String[] { "privileged" }));
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> commands.node("allow", "gpu box", new String[] { "root" }));
        assertEquals("allowance: 'root' is not an allowance; use privileged or host-mounts", e.getMessage());
        assertThrows(InvalidArgumentException.class, () -> commands.node("allow", "gpu box", new String[0]));
        assertThrows(IllegalArgumentException.class, () -> commands.node("grant", "gpu box", new String[] { "privileged" }));
        assertThrows(InvalidArgumentException.class, () -> commands.node("bad\u0007name"));
        assertTrue(registry.nodes.get("0f3c-node").allowed().isEmpty(), "nothing changed");
    }
}
