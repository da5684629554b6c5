package io.orchion.runtime.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;

class SettingsTest {

    @Test
    void valuesAreReadAsTheyAreWrittenInFilesAndSpecs() {
        // given values as a configuration file (strings) and a spec (doubles, lists, maps) give them
        Settings s = new Settings(Map.of("port", 8000.0, "limit", "12", "temperature", "0.5", "args", List.of("a", 1),
                "one", "x", "env", Map.of("A", 1), "grace", "90s", "blank", " "), "vllm.");
        // then each reads as its type, and absent or blank values as the fallback
        assertEquals(8000, s.integer("port", 0, 0, 65535));
        assertEquals(12, s.integer("limit", null, 1, 100));
        assertEquals(0.5, s.number("temperature", 0, 2));
        assertNull(s.number("missing", 0, 2));
        assertEquals(List.of("a", "1"), s.strings("args"));
        assertEquals(List.of("x"), s.strings("one"));
        assertEquals(Map.of("A", "1"), s.stringMap("env"));
        assertEquals(Duration.ofSeconds(90), s.duration("grace", null));
        assertEquals("fallback", s.string("blank", "fallback"));
        assertEquals(Duration.ofMinutes(1), s.duration("missing", Duration.ofMinutes(1)));
    }

    @Test
    void aBadValueIsRefusedNamingItsField() {
        Settings s = new Settings(Map.of("port", 1.5, "tp", "lots", "max", 70000, "grace", "soon", "env", List.of(),
                "args", List.of(Map.of())), "vllm.");
        assertRefused("vllm.port", "must be a whole number, not 1.5", () -> s.integer("port", 0, 0, 65535));
        assertRefused("vllm.tp", "must be a whole number, not 'lots'", () -> s.integer("tp", 0, 0, 8));
        assertRefused("vllm.max", "must be between 0 and 65535, not 70000", () -> s.integer("max", 0, 0, 65535));
        assertRefused("vllm.grace", "'soon' is not a duration (a whole number above 0 with a unit: ms, s, m, h or d,"
                + " e.g. 90s)", () -> s.duration("grace", null));
        assertRefused("vllm.env", "must be a map of names to strings", () -> s.stringMap("env"));
        assertRefused("vllm.args", "must be a list of strings", () -> s.strings("args"));
    }

    @Test
    void aCommandLineMustBeAListAndPortsMustBeObjects() {
        // given a command written as one string, and ports that are not objects
        Settings s = new Settings(Map.of("command", "sh -c 'echo hi'", "args", List.of("-c", 2), "ports", List.of(8080),
                "volumes", List.of(Map.of("target", "/data"))), "docker.");
        // then the command is refused rather than run as one word, and so are the ports
        assertRefused("docker.command", "must be a list of strings", () -> s.stringList("command"));
        assertEquals(List.of("-c", "2"), s.stringList("args"));
        assertEquals(List.of(), s.stringList("missing"));
        assertRefused("docker.ports", "each entry must be an object", () -> s.maps("ports"));
        assertEquals(List.of(Map.of("target", "/data")), s.maps("volumes"));
    }

    @Test
    void durationsReadAsOperatorsWriteThem() {
        assertEquals("500ms", Settings.human(Duration.ofMillis(500)));
        assertEquals("90s", Settings.human(Duration.ofSeconds(90)));
        assertEquals("10m", Settings.human(Duration.ofMinutes(10)));
        assertEquals("2h", Settings.human(Duration.ofHours(2)));
    }

    static void assertRefused(String field, String why, org.junit.jupiter.api.function.Executable read) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, read);
        assertEquals(field, e.field());
        assertEquals(field + ": " + why, e.getMessage());
    }
}
