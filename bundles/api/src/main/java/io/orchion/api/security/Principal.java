package io.orchion.api.security;

/**
 * Who is acting: an API token holder, a node (by its certificate), the local shell or the
 * system itself. {@link #actor()} is what the audit log records.
 *
 * @param kind {@code token}, {@code node}, {@code shell} or {@code system}
 * @param name the token's name, the node id, the shell user
 * @param role what it may do through the client API
 * @param id the token id where there is one, else empty
 */
public record Principal(String kind, String name, Role role, String id) {
    public static final Principal SYSTEM = new Principal("system", "orchion", Role.ADMIN, "");

    /** {@code kind:name}, e.g. {@code token:ci-bot}, {@code node:9f3c...}, {@code shell:alice}. */
    public String actor() {
        return kind + ":" + name;
    }
}
