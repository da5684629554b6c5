package io.orchion.runtime.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ConfigKeysTest {

    @Test
    void aMisspeltKeyIsNamedWithTheKnownOnes() {
        // given a configuration with the framework's keys and one misspelt key
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("service.pid", "io.orchion.runtime.x");
        config.put("component.name", "x");
        config.put("orchion.runtime", "x");
        config.put("felix.fileinstall.filename", "file:/x.cfg");
        config.put("url", "http://h");
        config.put("colour", "red");
        // when its keys are checked
        Set<String> known = Set.of("url", "connect.timeout.ms");
        List<String> unknown = ConfigKeys.unknown(config, known);
        // then only the misspelt one is unknown, and its problem names the known ones
        assertEquals(List.of("colour"), unknown);
        assertEquals("unknown key 'colour' (known: connect.timeout.ms, url)", ConfigKeys.problem("colour", known));
    }

    @Test
    void noConfigurationHasNoProblems() {
        assertTrue(ConfigKeys.unknown(null, Set.of("url")).isEmpty());
        assertTrue(ConfigKeys.isFramework("objectClass"));
        assertTrue(ConfigKeys.isFramework("docker.target"));
    }
}
