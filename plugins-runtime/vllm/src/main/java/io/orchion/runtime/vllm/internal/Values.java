package io.orchion.runtime.vllm.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.orchion.api.InvalidArgumentException;

/**
 * Typed reads of a settings or configuration map, each refusing a bad value with the key's name.
 * Values may be strings (configuration files), numbers (doubles from the protobuf JSON mapping) or
 * lists.
 */
final class Values {

    private final Map<String, ?> map;
    private final String prefix;

    Values(Map<String, ?> map, String prefix) {
        this.map = map == null ? Map.of() : map;
        this.prefix = prefix;
    }

    String key(String name) {
        return prefix + name;
    }

    boolean has(String name) {
        return map.get(name) != null;
    }

    String string(String name, String fallback) {
        Object v = map.get(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Map || v instanceof List) {
            throw new InvalidArgumentException(key(name), "must be a string");
        }
        String s = v.toString().trim();
        return s.isEmpty() ? fallback : s;
    }

    /** A whole number in [min, max]; {@code fallback} when absent. */
    Integer integer(String name, Integer fallback, int min, int max) {
        Object v = map.get(name);
        if (v == null || v.toString().isBlank()) {
            return fallback;
        }
        long n;
        if (v instanceof Number num) {
            double d = num.doubleValue();
            if (d != Math.rint(d)) {
                throw new InvalidArgumentException(key(name), "must be a whole number, not " + v);
            }
            n = (long) d;
        } else {
            try {
                n = Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                throw new InvalidArgumentException(key(name), "must be a whole number, not '" + v + "'");
            }
        }
        if (n < min || n > max) {
            throw new InvalidArgumentException(key(name), "must be between " + min + " and " + max + ", not " + n);
        }
        return (int) n;
    }

    Double number(String name, double min, double max) {
        Object v = map.get(name);
        if (v == null) {
            return null;
        }
        double d;
        try {
            d = v instanceof Number num ? num.doubleValue() : Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException(key(name), "must be a number, not '" + v + "'");
        }
        if (!(d >= min && d <= max)) {
            throw new InvalidArgumentException(key(name), "must be between " + min + " and " + max + ", not " + v);
        }
        return d;
    }

    /** A list of strings; a single string counts as a list of one. */
    List<String> strings(String name) {
        Object v = map.get(name);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> list) {
            for (Object o : list) {
                if (o == null || o instanceof Map || o instanceof List) {
                    throw new InvalidArgumentException(key(name), "must be a list of strings");
                }
            }
            return list.stream().map(String::valueOf).toList();
        }
        if (v instanceof Map) {
            throw new InvalidArgumentException(key(name), "must be a list of strings");
        }
        return List.of(v.toString());
    }

    /** A string-to-string map (env). */
    Map<String, String> stringMap(String name) {
        Object v = map.get(name);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new InvalidArgumentException(key(name), "must be a map of names to strings");
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        m.forEach((k, val) -> out.put(String.valueOf(k), String.valueOf(val)));
        return out;
    }

    /** A duration written as a whole number with a unit (ms, s, m, h, d), greater than zero. */
    Duration duration(String name, Duration fallback) {
        Object v = map.get(name);
        if (v == null || v.toString().isBlank()) {
            return fallback;
        }
        Duration d = io.orchion.api.Durations.parse(v.toString());
        if (d == null || d.isZero()) {
            throw new InvalidArgumentException(key(name),
                    "'" + v + "' is not a duration (a whole number above 0 with a unit: ms, s, m, h or d, e.g. 90s)");
        }
        return d;
    }

}
