package io.orchion.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The one duration form that job specs, runtime options and shell commands share. */
class DurationsTest {

    @Test
    void everyUnitReadsAsWritten() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
        assertEquals(Duration.ofMinutes(10), Durations.parse(" 10m "));
        assertEquals(Duration.ofHours(12), Durations.parse("12h"));
        assertEquals(Duration.ofDays(30), Durations.parse("30d"));
        assertEquals(Duration.ofDays(999_999_999), Durations.parse("999999999d"));
        assertEquals(Duration.ZERO, Durations.parse("0s"), "zero is a duration; callers that refuse it say so");
    }

    @Test
    void anythingElseIsNotADuration() {
        for (String bad : new String[] { null, "", "  ", "10", "s", "1.5h", "-1s", "10 s", "10S", "1w", "1000000000s",
                "10s\n5s", "１０s" }) {
            assertNull(Durations.parse(bad), () -> "'" + bad + "' was read as a duration");
        }
    }

    @Test
    void aRefusalNamesTheFieldAndTheForm() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> Durations.parse("docker.stopGrace", "soon", "10s or 2m"));
        assertEquals("docker.stopGrace", e.field());
        assertTrue(e.getMessage().contains("'soon' is not a duration such as 10s or 2m"), e.getMessage());
    }
}
