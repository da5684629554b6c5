package io.orchion.scheduler.internal;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.orchion.api.node.Capabilities;
import io.orchion.api.node.LivenessSettings;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.node.NodeStatus;

/**
 * The registry as the scheduler reads it (nodes, a node, the liveness settings): a list of nodes a
 * test sets. Anything else, registering included, is not the scheduler's to call and throws.
 */
final class Nodes {
    final List<Node> nodes = new CopyOnWriteArrayList<>();
    final NodeRegistry registry = (NodeRegistry) Proxy.newProxyInstance(Nodes.class.getClassLoader(),
            new Class<?>[] { NodeRegistry.class }, (p, m, a) -> switch (m.getName()) {
                case "nodes" -> List.copyOf(nodes);
                case "node" -> nodes.stream().filter(n -> n.id().equals(a[0])).findFirst();
                case "settings" -> new LivenessSettings(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofHours(1));
                case "toString" -> "Nodes" + nodes;
                case "hashCode" -> System.identityHashCode(p);
                case "equals" -> p == a[0];
                default -> throw new UnsupportedOperationException("the scheduler does not call NodeRegistry." + m.getName());
            });

    /** A ready node with the process runtime, 16 cores and 64 GiB. */
    Nodes with(String id, String name) {
        Capabilities caps = new Capabilities("cpu", 16, "amd64", 64L << 30, "GNU/Linux", List.of(), Map.of(),
                List.of("process"));
        nodes.add(new Node(id, name, name, "", "", caps, NodeStatus.READY, false, Instant.EPOCH, Instant.EPOCH, null));
        return this;
    }
}
