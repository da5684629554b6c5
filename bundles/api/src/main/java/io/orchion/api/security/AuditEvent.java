package io.orchion.api.security;

import java.time.Instant;

/**
 * One mutating action.
 *
 * @param actor {@link Principal#actor()}
 * @param action dotted verb, e.g. {@code job.submit}, {@code node.drain}, {@code token.create}
 * @param target what it acted on (job id, node id, token name), or empty
 * @param via {@code rest}, {@code grpc} or {@code shell}
 * @param outcome {@code ok}, or {@code denied}, {@code invalid}, {@code not-found}, {@code error}
 * @param detail a short, secret-free note (an HTTP status, an error message)
 */
public record AuditEvent(Instant at, String actor, String action, String target, String via, String outcome,
        String detail) {
}
