package io.orchion.shell.internal;

import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.orchion.api.NotFoundException;
import io.orchion.api.node.LivenessSettings;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.security.CertificateAuthority;

/** {@code orchion:nodes}, {@code orchion:node [revoke]}, {@code orchion:drain}, {@code orchion:unregister}. */
@Component(service = NodeCommands.class, property = { "osgi.command.scope=orchion",
        "osgi.command.function=nodes", "osgi.command.function=node", "osgi.command.function=drain",
        "osgi.command.function=unregister", "osgi.command.function=liveness" })
public class NodeCommands {
    private final NodeRegistry registry;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile CertificateAuthority ca;

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

    @Descriptor("revoke a node: node revoke ID. Its certificate stops working at once, it is unregistered "
            + "and it cannot join again with the same identity")
    public Views.Message node(@Descriptor("revoke") String action,
            @Descriptor("node id, a unique id prefix, or the node's name") String ref) {
        if (!action.equals("revoke")) {
            throw new IllegalArgumentException("'" + action + "' is not a node action; use: node ID, node revoke ID");
        }
        CertificateAuthority authority = ca;
        if (authority == null) {
            throw new IllegalStateException("this instance has no certificate authority (not an orchestrator)");
        }
        Node known;
        try {
            known = resolve(ref);
        } catch (NotFoundException e) {
            known = null; // forgotten already; its certificate can still be revoked
        }
        String id = known != null ? known.id() : ref;
        var revoked = authority.revokeNode(id);
        if (known != null) {
            registry.unregister(id);
        }
        return new Views.Message("Node " + (known != null ? known.name() + " (" + id + ")" : id) + " revoked: "
                + revoked.size() + " certificate(s) no longer accepted" + (known != null ? "; unregistered" : "")
                + ". It cannot join again with this identity.");
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
