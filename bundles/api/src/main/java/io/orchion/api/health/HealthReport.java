package io.orchion.api.health;

import java.util.List;

/**
 * What {@link ProcessHealth} says.
 *
 * @param state   UP, DEGRADED (it works, but trouble is near) or DOWN (requests are failing or
 *                about to)
 * @param reasons one line per problem, e.g. "heap 91% full after garbage collection (107 of 118
 *                MiB)"; empty when UP
 */
public record HealthReport(State state, List<String> reasons) {
    public enum State {
        UP, DEGRADED, DOWN
    }

    public static final HealthReport UP = new HealthReport(State.UP, List.of());

    public HealthReport {
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
}
