package io.orchion.api.security;

import java.util.Locale;

import io.orchion.api.InvalidArgumentException;

/** What an API token may do. Each role includes the ones below it. */
public enum Role {
    /** Read only: nodes, jobs, logs, telemetry, the scheduler, plugins, metrics. */
    VIEWER,
    /** Viewer, plus submit and cancel jobs, drain and undrain nodes, switch the strategy. */
    OPERATOR,
    /** Everything: also unregister nodes and read the audit log. */
    ADMIN;

    /** Whether a holder of this role may do what needs {@code needed}. */
    public boolean allows(Role needed) {
        return compareTo(needed) >= 0;
    }

    /** The role's name as users write it: {@code admin}, {@code operator}, {@code viewer}. */
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
        throw new InvalidArgumentException(field, "'" + value + "' is not a role; use admin, operator or viewer");
    }
}
