package io.orchion.jobs.internal;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte quantities ({@code 256Mi}, {@code 1.5G}) and durations ({@code 10m}) as specs write them. */
final class Quantities {
    private static final Pattern QUANTITY = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?");
    private static final Map<String, BigDecimal> UNITS = Map.of("Ki", BigDecimal.valueOf(1L << 10), "Mi",
            BigDecimal.valueOf(1L << 20), "Gi", BigDecimal.valueOf(1L << 30), "Ti", BigDecimal.valueOf(1L << 40), "K",
            BigDecimal.valueOf(1_000L), "M", BigDecimal.valueOf(1_000_000L), "G", BigDecimal.valueOf(1_000_000_000L), "T",
            BigDecimal.valueOf(1_000_000_000_000L));

    private Quantities() {
    }

    /** Bytes; the schema has already checked the shape. */
    static long bytes(String field, String text) {
        Matcher m = QUANTITY.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(field + ": '" + text + "' is not a quantity such as 512Mi or 2Gi");
        }
        BigDecimal value = new BigDecimal(m.group(1));
        if (m.group(2) != null) {
            value = value.multiply(UNITS.get(m.group(2)));
        }
        if (value.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException(field + ": '" + text + "' is too large");
        }
        return value.longValue();
    }

    static Duration duration(String field, String text) {
        Duration d = io.orchion.api.Durations.parse(text);
        if (d == null) {
            throw new IllegalArgumentException(field + ": '" + text + "' is not a duration such as 30s, 10m or 2h");
        }
        return d;
    }
}
