package io.orchion.agent.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Operator labels written as {@code key=value,key2=value2}. */
final class Labels {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]{0,62}[A-Za-z0-9])?");

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
            if (!KEY.matcher(key).matches()) {
                throw new IllegalArgumentException(source + ": label key '" + key
                        + "' must be 1-64 letters, digits, '.', '_', '/' or '-', starting and ending with a letter or digit");
            }
            if (value.length() > 256) {
                throw new IllegalArgumentException(source + ": label '" + key + "' has a value over 256 characters");
            }
            labels.put(key, value);
        }
        return labels;
    }
}
