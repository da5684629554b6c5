package io.orchion.api.security;

import java.time.Instant;

/**
 * A join token as stored (its secret only as a hash).
 *
 * @param expires null: no expiry
 * @param usesLeft joins it still allows
 */
public record JoinTokenInfo(String id, String note, Instant created, Instant expires, int usesLeft, int uses) {
}
