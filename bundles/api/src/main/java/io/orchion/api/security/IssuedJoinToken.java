package io.orchion.api.security;

/**
 * A join token just created: {@code token} ({@code ojt1.ID.SECRET.CAHASH}) carries the hash of
 * the orchestrator's CA certificate, so a joining agent can check whom it talks to before it
 * sends the secret.
 */
public record IssuedJoinToken(JoinTokenInfo info, String token) {
    @Override
    public String toString() {
        return "IssuedJoinToken[" + info + ", token=<hidden>]";
    }
}
