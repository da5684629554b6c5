package io.orchion.api.node;

/**
 * What an agent (or a script) says about itself when it joins.
 *
 * @param id           required, the agent's stable identity
 * @param hostname     required
 * @param name         display name; empty means the hostname
 * @param agentAddress where it connects from; empty if unknown
 * @param agentVersion empty if unknown
 * @param capabilities never null; {@link Capabilities#unknown()} if none
 */
public record NodeRegistration(String id, String hostname, String name, String agentAddress, String agentVersion,
        Capabilities capabilities) {
}
