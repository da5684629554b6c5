package io.orchion.shell.internal;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.Validation;
import io.orchion.api.node.LivenessSettings;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.runtime.Allowance;
import io.orchion.api.security.CertificateAuthority;

/**
 * {@code orchion:nodes}, {@code orchion:node} (show; {@code allow} and {@code disallow} what runs may
 * do there; {@code revoke}), {@code orchion:drain}, {@code orchion:unregister}. The shell is the
 * admin's tool: it is reached only through a Unix socket its owner can open, and it is the one
 * place allowances change and nodes are revoked.
 */
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

    /** Revokes a node: its certificate stops working at once, it is unregistered and cannot join again. */
    private Views.Message revoke(String ref) {
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

    @Descriptor("change a node: 'node revoke NODE' (its certificate stops working, it is unregistered and cannot"
            + " join again), 'node allow|disallow NODE privileged|host-mounts' (runs beyond the default sandbox)")
    public Views.Message node(@Descriptor("revoke, allow or disallow") String action,
            @Descriptor("node id, a unique id prefix, or the node's name") String ref,
            @Descriptor("for allow and disallow: privileged, host-mounts") String[] allowances) {
        boolean allow = switch (action) {
            case "revoke" -> {
                if (allowances != null && allowances.length > 0) {
                    throw new IllegalArgumentException("node revoke takes one node, not " + (allowances.length + 1));
                }
                yield false;
            }
            case "allow" -> true;
            case "disallow" -> false;
            default -> throw new IllegalArgumentException("'" + action + "' is not revoke, allow or disallow"
                    + " (orchion:node revoke NODE, orchion:node allow|disallow NODE privileged|host-mounts ...)");
        };
        if (action.equals("revoke")) {
            return revoke(ref);
        }
        Set<Allowance> which = allowances(allowances);
        Node n = registry.allow(resolve(ref).id(), which, allow);
        return new Views.Message("Node " + n.name() + " (" + n.id() + ") " + (allow ? "allows " : "no longer allows ")
                + keys(which) + "; it allows " + (n.allowed().isEmpty() ? "nothing beyond the default sandbox"
                        : keys(n.allowed())));
    }

    static Set<Allowance> allowances(String[] names) {
        List<String> given = new ArrayList<>();
        for (String n : names == null ? new String[0] : names) {
            for (String part : n.split(",")) {
                if (!part.isBlank()) {
                    given.add(part.trim());
                }
            }
        }
        if (given.isEmpty()) {
            throw new InvalidArgumentException("allowance", "name at least one: privileged or host-mounts");
        }
        Set<Allowance> which = EnumSet.noneOf(Allowance.class);
        given.forEach(g -> which.add(Allowance.parse("allowance", g)));
        return which;
    }

    static String keys(Set<Allowance> allowances) {
        return allowances.stream().sorted().map(Allowance::key).collect(Collectors.joining(", "));
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
        Validation.nodeRef("node", ref);
        var exact = Validation.isNodeId(ref) ? registry.node(ref) : java.util.Optional.<Node>empty();
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
