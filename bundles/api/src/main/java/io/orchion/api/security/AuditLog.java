package io.orchion.api.security;

import java.time.Instant;
import java.util.List;

/** Who did what, when, and how it ended: every mutating action through REST, gRPC and the shell. */
public interface AuditLog {
    void record(AuditEvent event);

    /**
     * The newest events first.
     *
     * @param actor null or a prefix of {@link AuditEvent#actor()}
     * @param action null or a prefix of {@link AuditEvent#action()}
     * @param since null or the earliest time wanted
     */
    List<AuditEvent> query(int limit, String actor, String action, Instant since);
}
