package io.orchion.api.node;

import java.time.Instant;
import java.util.Set;

import io.orchion.api.runtime.Allowance;

/**
 * A node as the registry knows it. Immutable: the registry hands out a fresh value per change.
 *
 * @param id           stable identity chosen by the agent
 * @param name         display name (the hostname unless the agent was given one)
 * @param hostname     the agent's host name
 * @param agentAddress where the agent connects from
 * @param agentVersion the Orchion version of the agent
 * @param capabilities what the node offers
 * @param status       READY, DRAINING or DOWN
 * @param drained      whether an operator drained it (kept while it is DOWN)
 * @param registeredAt first registration
 * @param lastSeen     last registration or heartbeat
 * @param telemetry    latest sample, or null before the first heartbeat that carried one
 * @param allowed      what an admin allowed runs on this node beyond the default sandbox (kept
 *                     across restarts and re-registrations; empty by default)
 */
public record Node(String id, String name, String hostname, String agentAddress, String agentVersion,
        Capabilities capabilities, NodeStatus status, boolean drained, Instant registeredAt, Instant lastSeen,
        Telemetry telemetry, Set<Allowance> allowed) {

    public Node {
        allowed = allowed == null ? Set.of() : Set.copyOf(allowed);
    }

    /** A node with nothing allowed beyond the default sandbox. */
    public Node(String id, String name, String hostname, String agentAddress, String agentVersion,
            Capabilities capabilities, NodeStatus status, boolean drained, Instant registeredAt, Instant lastSeen,
            Telemetry telemetry) {
        this(id, name, hostname, agentAddress, agentVersion, capabilities, status, drained, registeredAt, lastSeen,
                telemetry, Set.of());
    }

    /** Whether runs here may have {@code a}. */
    public boolean allows(Allowance a) {
        return allowed.contains(a);
    }
}
