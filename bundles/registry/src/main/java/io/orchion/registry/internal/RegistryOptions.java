package io.orchion.registry.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.orchion.api.node.LivenessSettings;

/**
 * The registry's configuration (PID {@code io.orchion.registry}), parsed and checked as a whole:
 * either every value is valid and the options apply, or the update is refused with one message
 * that names each bad key.
 */
record RegistryOptions(Duration heartbeatInterval, Duration downAfter, Duration forgetAfter) {
    static final String HEARTBEAT = "heartbeat.interval.ms";
    static final String DOWN = "down.after.ms";
    static final String FORGET = "forget.after.ms";
    static final RegistryOptions DEFAULTS = new RegistryOptions(Duration.ofSeconds(5), Duration.ofSeconds(15),
            Duration.ofHours(24));
    private static final Set<String> KEYS = Set.of(HEARTBEAT, DOWN, FORGET);

    static RegistryOptions parse(Map<String, ?> config) {
        List<String> problems = new ArrayList<>();
        for (String key : config.keySet()) {
            if (!KEYS.contains(key) && !isFrameworkKey(key)) {
                problems.add("unknown key '" + key + "' (known: " + String.join(", ", KEYS.stream().sorted().toList())
                        + ")");
            }
        }
        Duration hb = millis(config, HEARTBEAT, DEFAULTS.heartbeatInterval, problems);
        Duration down = millis(config, DOWN, DEFAULTS.downAfter, problems);
        Duration forget = millis(config, FORGET, DEFAULTS.forgetAfter, problems);
        if (problems.isEmpty() && down.compareTo(hb) <= 0) {
            problems.add(DOWN + " (" + down.toMillis() + ") must be longer than " + HEARTBEAT + " ("
                    + hb.toMillis() + ")");
        }
        if (problems.isEmpty() && forget.compareTo(down) <= 0) {
            problems.add(FORGET + " (" + forget.toMillis() + ") must be longer than " + DOWN + " ("
                    + down.toMillis() + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new RegistryOptions(hb, down, forget);
    }

    LivenessSettings settings() {
        return new LivenessSettings(heartbeatInterval, downAfter, forgetAfter);
    }

    static boolean isFrameworkKey(String key) {
        return key.startsWith("service.") || key.startsWith("component.") || key.startsWith("felix.")
                || key.startsWith("osgi.") || key.endsWith(".target") || key.equals("objectClass");
    }

    private static Duration millis(Map<String, ?> config, String key, Duration fallback, List<String> problems) {
        Object raw = config.get(key);
        if (raw == null) {
            return fallback;
        }
        try {
            long value = raw instanceof Number n ? n.longValue() : Long.parseLong(raw.toString().trim());
            if (value <= 0) {
                problems.add(key + " must be a positive number of milliseconds, not " + value);
                return fallback;
            }
            return Duration.ofMillis(value);
        } catch (NumberFormatException e) {
            problems.add(key + " must be a whole number of milliseconds, not '" + raw + "'");
            return fallback;
        }
    }
}
