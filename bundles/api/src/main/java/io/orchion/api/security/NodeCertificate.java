package io.orchion.api.security;

import java.time.Instant;

/**
 * A certificate issued to a node.
 *
 * @param serial hexadecimal serial number
 * @param how {@code join TOKEN-ID}, {@code renew} (a renewal by the node) or {@code local} (the
 *        all-in-one agent)
 * @param revoked null while valid
 */
public record NodeCertificate(String nodeId, String serial, Instant issued, Instant notAfter, String how,
        Instant revoked) {
}
