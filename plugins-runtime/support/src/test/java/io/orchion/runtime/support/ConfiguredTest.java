package io.orchion.runtime.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** A runtime's configuration: defaults when the first is refused, the previous one kept when a later is. */
class ConfiguredTest {
    record Opts(int threshold) {
        static Opts parse(Map<String, ?> config) {
            ConfigKeys.refuseUnknown(config, java.util.Set.of("threshold"));
            return new Opts(new Settings(config, "").integer("threshold", 3, 1, 10));
        }
    }

    @Test
    void aRefusedFirstConfigurationLeavesTheDefaultsAndSaysWhy() {
        List<String> problems = new ArrayList<>();
        Configured<Opts> c = Configured.read("io.orchion.x", Opts::parse, new Opts(3), Map.of("threshold", "many"),
                problems::add);
        assertEquals(new Opts(3), c.get());
        assertEquals(List.of("configuration io.orchion.x refused, using defaults: threshold: must be a whole number, "
                + "not 'many'"), problems);
    }

    @Test
    void anUpdateChangesOnlyWhatDiffersAndARefusedOneKeepsThePrevious() {
        List<String> problems = new ArrayList<>();
        Configured<Opts> c = Configured.read("io.orchion.x", Opts::parse, new Opts(3), Map.of("threshold", 5),
                problems::add);
        assertFalse(c.update(Map.of("threshold", "5"), problems::add), "the same values");
        assertTrue(c.update(Map.of("threshold", 7), problems::add));
        assertFalse(c.update(Map.of("treshold", 2), problems::add));
        assertEquals(new Opts(7), c.get());
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("configuration io.orchion.x refused, the previous one stays in force: "
                + "treshold: unknown key 'treshold'"), problems.get(0));
    }
}
