package io.orchion.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them everywhere in Orchion (job specs, runtime options, shell
 * commands): a whole number of 1 to 9 digits and a unit, {@code ms}, {@code s}, {@code m},
 * {@code h} or {@code d} ({@code 500ms}, {@code 90s}, {@code 10m}, {@code 12h}, {@code 30d}).
 * Units are lower case; surrounding blanks are ignored. What a caller allows beyond that (zero, a
 * blank meaning "none") and how it names the field stays with the caller.
 */
public final class Durations {
    /** The form; {@code job-spec.schema.json} carries the same pattern (a test keeps them equal). */
    public static final String PATTERN = "[0-9]{1,9}(ms|s|m|h|d)";
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");

    private Durations() {
    }

    /** The duration {@code text} writes, or {@code null} when it is not one (null and blank included). */
    public static Duration parse(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /**
     * The duration {@code text} writes; otherwise an {@link InvalidArgumentException} naming
     * {@code field} and giving {@code examples} (e.g. "10s or 2m").
     */
    public static Duration parse(String field, String text, String examples) {
        Duration d = parse(text);
        if (d == null) {
            throw new InvalidArgumentException(field, "'" + text + "' is not a duration such as " + examples
                    + " (a whole number and ms, s, m, h or d)");
        }
        return d;
    }
}
