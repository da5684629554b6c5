package io.orchion.api.security;

import java.util.Locale;

import io.orchion.api.InvalidArgumentException;

/**
 * What an API token may do. Viewer, operator and admin each include the ones below them;
 * {@link #INFERENCE} stands apart: it may list and call the cluster's models and nothing else, and
 * operators and admins may call models too (viewers may not: a model call spends the cluster's
 * GPUs).
 */
public enum Role {
    /** Read only: nodes, jobs, logs, telemetry, the scheduler, plugins, metrics. */
    VIEWER,
    /** Viewer, plus submit and cancel jobs, drain and undrain nodes, switch the strategy. */
    OPERATOR,
    /** Everything: also unregister nodes and read the audit log. */
    ADMIN,
    /** Only the model gateway: list models and call them ({@code /v1/*}), for tools such as Open WebUI. */
    INFERENCE;

    /** Whether a holder of this role may do what needs {@code needed}. */
    public boolean allows(Role needed) {
        if (needed == INFERENCE) {
            return this == INFERENCE || this == OPERATOR || this == ADMIN;
        }
        if (this == INFERENCE) {
            return false;
        }
        return compareTo(needed) >= 0;
    }

    /** The role's name as users write it: {@code admin}, {@code operator}, {@code viewer}, {@code inference}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a role name; the error names {@code field} and the roles there are. */
    public static Role parse(String field, String value) {
        if (value != null) {
            for (Role r : values()) {
                if (r.label().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return r;
                }
            }
        }
        throw new InvalidArgumentException(field, "'" + value + "' is not a role; use admin, operator, viewer or inference");
    }
}
