package io.orchion.shell.internal;

import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.orchion.api.NotFoundException;
import io.orchion.api.node.LivenessSettings;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistry;

/** {@code orchion:nodes}, {@code orchion:node}, {@code orchion:drain}, {@code orchion:unregister}. */
@Component(service = NodeCommands.class, property = { "osgi.command.scope=orchion",
        "osgi.command.function=nodes", "osgi.command.function=node", "osgi.command.function=drain",
        "osgi.command.function=unregister", "osgi.command.function=liveness" })
public class NodeCommands {
    private final NodeRegistry registry;

    @Activate
    public NodeCommands(@Reference NodeRegistry registry) {
        this.registry = registry;
    }

    @Descriptor("list the nodes with their status, resources and last heartbeat")
    public Views.NodeList nodes() {
        return new Views.NodeList(registry.nodes());
    }

    @Descriptor("show one node in detail")
    public Views.NodeDetail node(@Descriptor("node id, a unique id prefix, or the node's name") String ref) {
        return new Views.NodeDetail(resolve(ref));
    }

    @Descriptor("drain a node: it keeps what it runs but takes no new work")
    public Views.Message drain(
            @Descriptor("accept work again instead") @Parameter(names = { "-u", "--undo" }, presentValue = "true",
                    absentValue = "false") boolean undo,
            @Descriptor("node id, a unique id prefix, or the node's name") String ref) {
        Node n = registry.drain(resolve(ref).id(), !undo);
        return new Views.Message("Node " + n.name() + " (" + n.id() + ") is " + n.status()
                + (undo ? ", accepting work" : ", taking no new work"));
    }

    @Descriptor("forget a node; a connected agent is told and stops redialling")
    public Views.Message unregister(@Descriptor("node id, a unique id prefix, or the node's name") String ref) {
        Node n = registry.unregister(resolve(ref).id());
        return new Views.Message("Node " + n.name() + " (" + n.id() + ") unregistered");
    }

    @Descriptor("show the liveness settings in force (conf/io.orchion.registry.cfg)")
    public LivenessSettings liveness() {
        return registry.settings();
    }

    /** An exact id, then an exact name, then a unique id prefix. */
    Node resolve(String ref) {
        if (ref == null || ref.isBlank()) {
            throw new IllegalArgumentException("a node id or name is required");
        }
        var exact = registry.node(ref);
        if (exact.isPresent()) {
            return exact.get();
        }
        List<Node> all = registry.nodes();
        List<Node> named = all.stream().filter(n -> n.name().equals(ref)).toList();
        if (named.size() == 1) {
            return named.get(0);
        }
        if (named.size() > 1) {
            throw new IllegalArgumentException("the name '" + ref + "' is shared by " + named.size()
                    + " nodes; use an id: " + named.stream().map(Node::id).toList());
        }
        List<Node> prefixed = all.stream().filter(n -> n.id().startsWith(ref)).toList();
        if (prefixed.size() == 1) {
            return prefixed.get(0);
        }
        if (prefixed.size() > 1) {
            throw new IllegalArgumentException("'" + ref + "' matches " + prefixed.size() + " node ids; type more of it");
        }
        throw new NotFoundException("node", ref);
    }
}
