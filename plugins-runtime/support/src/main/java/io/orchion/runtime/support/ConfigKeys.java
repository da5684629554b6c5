package io.orchion.runtime.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExecutionRuntime;

/**
 * Checks the keys of a runtime's configuration (the map DS hands a component), so a misspelt key
 * is refused with its name instead of being silently ignored. The keys Configuration Admin and DS
 * add, and the component's own {@code orchion.runtime} property, are not the operator's and pass.
 */
public final class ConfigKeys {
    private ConfigKeys() {
    }

    /** Whether {@code key} is one Configuration Admin, DS or the framework added. */
    public static boolean isFramework(String key) {
        return key.equals(ExecutionRuntime.NAME) || key.startsWith("service.") || key.startsWith("component.")
                || key.startsWith("felix.") || key.startsWith("osgi.") || key.endsWith(".target")
                || key.equals("objectClass");
    }

    /** The keys of {@code config} that are neither {@code known} nor the framework's, in its order. */
    public static List<String> unknown(Map<String, ?> config, Set<String> known) {
        List<String> unknown = new ArrayList<>();
        if (config != null) {
            for (String key : config.keySet()) {
                if (!known.contains(key) && !isFramework(key)) {
                    unknown.add(key);
                }
            }
        }
        return unknown;
    }

    /** Refuses a configuration with a key that is neither {@code known} nor the framework's, naming the first. */
    public static void refuseUnknown(Map<String, ?> config, Set<String> known) {
        List<String> unknown = unknown(config, known);
        if (!unknown.isEmpty()) {
            throw new InvalidArgumentException(unknown.get(0), problem(unknown.get(0), known));
        }
    }

    /** What is wrong with an unknown key, naming the known ones: "unknown key 'colour' (known: a, b)". */
    public static String problem(String key, Set<String> known) {
        return "unknown key '" + key + "' (known: " + String.join(", ", known.stream().sorted().toList()) + ")";
    }
}
