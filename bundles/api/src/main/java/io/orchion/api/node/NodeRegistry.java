package io.orchion.api.node;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.runtime.Allowance;

/**
 * The orchestrator's book of nodes: joins, heartbeats, liveness, drain and unregister. Durable
 * changes (a join, a drain, an unregister, a status change) are stored before the call returns.
 */
@ProviderType
public interface NodeRegistry {

    /**
     * Records a join. The same id joining again updates that node: an identity never makes a
     * second node.
     *
     * @throws InvalidArgumentException naming the field when id or hostname is empty or malformed,
     *                                  or a name or label breaks {@link io.orchion.api.Validation}
     */
    Node register(NodeRegistration registration);

    /**
     * Records a heartbeat and its telemetry (may be null).
     *
     * @throws NotFoundException for an unknown node id
     */
    Node heartbeat(String nodeId, Telemetry telemetry);

    /** All nodes, ordered by name then id. */
    List<Node> nodes();

    /**
     * The node with this id; empty for an unknown or empty id.
     *
     * @throws InvalidArgumentException for a malformed id (see {@link io.orchion.api.Validation})
     */
    Optional<Node> node(String nodeId);

    /**
     * Allows runs on a node more than the default sandbox or, with {@code allow == false}, takes
     * that back. Kept across restarts and re-registrations; an agent cannot change it.
     *
     * @throws NotFoundException for an unknown node id
     */
    Node allow(String nodeId, Set<Allowance> allowances, boolean allow);

    /**
     * Drains a node (no new work) or, with {@code drain == false}, makes it accept work again.
     *
     * @throws NotFoundException for an unknown node id
     */
    Node drain(String nodeId, boolean drain);

    /**
     * Forgets a node. Listeners are told, so a connected agent learns it was removed.
     *
     * @throws NotFoundException for an unknown node id
     */
    Node unregister(String nodeId);

    /**
     * The node's recent telemetry samples, oldest first (a bounded window kept in memory).
     *
     * @throws NotFoundException for an unknown node id
     */
    List<Telemetry> telemetry(String nodeId);

    /** The settings in force. */
    LivenessSettings settings();
}
