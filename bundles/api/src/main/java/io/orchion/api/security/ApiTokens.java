package io.orchion.api.security;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Bearer tokens of the client API (gRPC and REST). Tokens are {@code oat1.ID.SECRET}; only a
 * hash of the secret is stored.
 */
public interface ApiTokens {
    /**
     * Creates a token. {@code name} is unique among live tokens; {@code ttl} null means no expiry.
     *
     * @throws io.orchion.api.InvalidArgumentException for a bad or taken name or a bad ttl
     */
    IssuedToken create(String name, Role role, Duration ttl);

    List<TokenInfo> list();

    /**
     * Revokes the token with this id or name; it stops working at once.
     *
     * @throws io.orchion.api.NotFoundException when there is none
     */
    TokenInfo revoke(String idOrName);

    /** Who presents this token, or empty for an unknown, malformed, expired or revoked one. */
    Optional<Principal> authenticate(String token);
}
