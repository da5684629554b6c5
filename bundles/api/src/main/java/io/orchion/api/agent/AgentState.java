package io.orchion.api.agent;

import java.time.Instant;

import io.orchion.api.node.Capabilities;

/**
 * A snapshot of a running agent.
 *
 * @param nodeId        its stable identity
 * @param name          display name
 * @param orchestrator  the host:port it dials
 * @param connection    CONNECTING, CONNECTED, BACKING_OFF or UNREGISTERED
 * @param since         when the connection state last changed
 * @param lastError     the last connection error, empty if none
 * @param attempts      failed attempts since the last successful connection
 * @param capabilities  what it advertises
 */
public record AgentState(String nodeId, String name, String orchestrator, String connection, Instant since,
        String lastError, int attempts, Capabilities capabilities) {
}
