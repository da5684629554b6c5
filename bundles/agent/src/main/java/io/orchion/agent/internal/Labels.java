package io.orchion.agent.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import io.orchion.api.Validation;

/**
 * Operator labels written as {@code key=value,key2=value2}, checked by the rule the registry and
 * job specs share ({@link Validation#labelKey}, {@link Validation#labelValue}).
 */
final class Labels {

    private Labels() {
    }

    static Map<String, String> parse(String text, String source) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return labels;
        }
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(source + ": label '" + p + "' is not key=value");
            }
            String key = p.substring(0, eq).trim();
            String value = p.substring(eq + 1).trim();
            if (!Validation.isLabelKey(key)) {
                throw new IllegalArgumentException(source + ": label key '" + key + "' must be an optional DNS prefix"
                        + " and '/', then 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
            }
            if (!Validation.isLabelValue(value)) {
                throw new IllegalArgumentException(source + ": label '" + key
                        + "' has a value over 63 characters or with control characters");
            }
            labels.put(key, value);
        }
        return labels;
    }
}
