package io.orchion.runtime.support;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.orchion.api.Durations;
import io.orchion.api.InvalidArgumentException;

/**
 * Typed reads of a job's settings section or a runtime's configuration, each refusing a bad value
 * with an {@link InvalidArgumentException} that names the field ({@code prefix + name}, e.g.
 * {@code vllm.port}). Values may be strings (configuration files), numbers (doubles from the
 * protobuf JSON mapping), booleans, lists or maps; an absent or blank value is the fallback.
 */
public final class Settings {
    private final Map<String, ?> map;
    private final String prefix;

    /**
     * @param map    the values; null reads as empty
     * @param prefix put before each name in an error's field, e.g. {@code "vllm."}
     */
    public Settings(Map<String, ?> map, String prefix) {
        this.map = map == null ? Map.of() : map;
        this.prefix = prefix;
    }

    /** The field an error names: the prefix and the name. */
    public String field(String name) {
        return prefix + name;
    }

    public boolean has(String name) {
        return map.get(name) != null;
    }

    /** A text, trimmed; {@code fallback} when absent or blank. */
    public String string(String name, String fallback) {
        Object v = map.get(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Map || v instanceof List) {
            throw new InvalidArgumentException(field(name), "must be a string");
        }
        String s = v.toString().trim();
        return s.isEmpty() ? fallback : s;
    }

    /**
     * A command line written as one text, split on spaces ({@code /opt/vllm/bin/python -m vllm}):
     * a configuration's {@code command}; {@code fallback} when absent or blank.
     */
    public List<String> words(String name, List<String> fallback) {
        String s = string(name, null);
        return s == null ? fallback : List.of(s.split("\\s+"));
    }

    /** A whole number in [min, max]; {@code fallback} when absent. */
    public Integer integer(String name, Integer fallback, int min, int max) {
        Object v = map.get(name);
        if (v == null || v.toString().isBlank()) {
            return fallback;
        }
        long n;
        if (v instanceof Number num) {
            double d = num.doubleValue();
            if (d != Math.rint(d)) {
                throw new InvalidArgumentException(field(name), "must be a whole number, not " + v);
            }
            n = (long) d;
        } else {
            try {
                n = Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                throw new InvalidArgumentException(field(name), "must be a whole number, not '" + v + "'");
            }
        }
        if (n < min || n > max) {
            throw new InvalidArgumentException(field(name), "must be between " + min + " and " + max + ", not " + n);
        }
        return (int) n;
    }

    /** A number in [min, max]; null when absent. */
    public Double number(String name, double min, double max) {
        Object v = map.get(name);
        if (v == null) {
            return null;
        }
        double d;
        try {
            d = v instanceof Number num ? num.doubleValue() : Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException(field(name), "must be a number, not '" + v + "'");
        }
        if (!(d >= min && d <= max)) {
            throw new InvalidArgumentException(field(name), "must be between " + min + " and " + max + ", not " + v);
        }
        return d;
    }

    /** A list of strings (numbers and booleans are written as text); a single string counts as a list of one. */
    public List<String> strings(String name) {
        Object v = map.get(name);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> list) {
            for (Object o : list) {
                if (o == null || o instanceof Map || o instanceof List) {
                    throw new InvalidArgumentException(field(name), "must be a list of strings");
                }
            }
            return list.stream().map(String::valueOf).toList();
        }
        if (v instanceof Map) {
            throw new InvalidArgumentException(field(name), "must be a list of strings");
        }
        return List.of(v.toString());
    }

    /**
     * A list of strings (numbers and booleans are written as text), and nothing else: a command
     * line written as one string is refused rather than run as one word.
     */
    public List<String> stringList(String name) {
        Object v = map.get(name);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List)) {
            throw new InvalidArgumentException(field(name), "must be a list of strings");
        }
        return strings(name);
    }

    /** A list of maps (ports, volumes); each entry must be one. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> maps(String name) {
        Object v = map.get(name);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw new InvalidArgumentException(field(name), "must be a list");
        }
        for (Object o : list) {
            if (!(o instanceof Map)) {
                throw new InvalidArgumentException(field(name), "each entry must be an object");
            }
        }
        return (List<Map<String, Object>>) list;
    }

    /** A map of names to strings (an environment, labels), in the order given. */
    public Map<String, String> stringMap(String name) {
        Object v = map.get(name);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new InvalidArgumentException(field(name), "must be a map of names to strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, val) -> out.put(String.valueOf(k), String.valueOf(val)));
        return out;
    }

    /** A duration written as a whole number with a unit (ms, s, m, h, d), above zero. */
    public Duration duration(String name, Duration fallback) {
        Object v = map.get(name);
        if (v == null || v.toString().isBlank()) {
            return fallback;
        }
        Duration d = Durations.parse(v.toString());
        if (d == null || d.isZero()) {
            throw new InvalidArgumentException(field(name),
                    "'" + v + "' is not a duration (a whole number above 0 with a unit: ms, s, m, h or d, e.g. 90s)");
        }
        return d;
    }

    /** A duration as an operator reads it: 90s, 10m, 2h, or 500ms below a second. */
    public static String human(Duration d) {
        long s = d.toSeconds();
        if (s == 0) {
            return d.toMillis() + "ms";
        }
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}
