package io.orchion.api.runtime;

import java.util.Map;

/**
 * Whether a runtime can run jobs on this node now.
 *
 * @param healthy    an agent advertises only healthy runtimes
 * @param detail     what was found or what is wrong, for operators
 * @param attributes facts for scheduling and display (engine version, models present, ...)
 */
public record Fingerprint(boolean healthy, String detail, Map<String, String> attributes) {
    public Fingerprint {
        attributes = Map.copyOf(attributes);
    }
}
