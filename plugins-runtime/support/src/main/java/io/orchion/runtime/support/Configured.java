package io.orchion.runtime.support;

import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

import io.orchion.api.InvalidArgumentException;

/**
 * A runtime's configuration parsed into one options value, as DS hands it over: at activation a
 * refused configuration leaves the defaults in force, later a refused one leaves the previous
 * value; either way the problem, naming the key, goes to the operator's log. An update with the
 * same values changes nothing ({@code equals}), so {@code @Modified} with unchanged values is a no-op.
 *
 * <p>Thread-safe: runs read {@link #get()} while DS updates it.
 *
 * @param <T> the options value, a record with {@code equals}
 */
public final class Configured<T> {
    private final String pid;
    private final Function<Map<String, ?>, T> parser;
    private volatile T value;

    /** Options given as they are (a test's, or a runtime built without DS). */
    public Configured(String pid, Function<Map<String, ?>, T> parser, T value) {
        this.pid = pid;
        this.parser = parser;
        this.value = Objects.requireNonNull(value);
    }

    /**
     * The options {@code config} holds, or {@code defaults} when it is refused ({@code problems}
     * hears "configuration PID refused, using defaults: KEY: ...").
     */
    public static <T> Configured<T> read(String pid, Function<Map<String, ?>, T> parser, T defaults,
            Map<String, ?> config, Consumer<String> problems) {
        Configured<T> c = new Configured<>(pid, parser, defaults);
        try {
            c.value = parser.apply(config);
        } catch (InvalidArgumentException e) {
            problems.accept("configuration " + pid + " refused, using defaults: " + e.getMessage());
        }
        return c;
    }

    public T get() {
        return value;
    }

    /**
     * Takes a new configuration; true when its options differ from those in force. A refused one
     * changes nothing ({@code problems} hears why, naming the key).
     */
    public boolean update(Map<String, ?> config, Consumer<String> problems) {
        try {
            T next = parser.apply(config);
            if (next.equals(value)) {
                return false;
            }
            value = next;
            return true;
        } catch (InvalidArgumentException e) {
            problems.accept("configuration " + pid + " refused, the previous one stays in force: " + e.getMessage());
            return false;
        }
    }
}
