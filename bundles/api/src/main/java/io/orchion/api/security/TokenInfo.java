package io.orchion.api.security;

import java.time.Instant;

/**
 * An API token as stored: never its secret, which is kept only as a hash.
 *
 * @param expires null: no expiry
 * @param lastUsed null: not used since this start (kept in memory, to the minute)
 */
public record TokenInfo(String id, String name, Role role, Instant created, Instant expires, Instant lastUsed) {
}
