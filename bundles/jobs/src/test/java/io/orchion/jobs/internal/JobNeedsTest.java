package io.orchion.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.Validation;
import io.orchion.api.job.JobSpecParser;
import io.orchion.api.runtime.Allowance;

/** What a job needs beyond the default sandbox, and the paths and labels it may name. */
class JobNeedsTest {
    static final SchemaJobSpecParser PARSER = new SchemaJobSpecParser();

    static String docker(String extra) {
        return "{\"name\": \"d\", \"runtime\": \"docker\", \"docker\": {\"image\": \"busybox\"" + extra + "}}";
    }

    static String volume(String source, String target) {
        return docker(", \"volumes\": [{\"source\": " + new ObjectMapperQuote(source) + ", \"target\": "
                + new ObjectMapperQuote(target) + "}]");
    }

    /** A JSON string literal of any text (control characters escaped). */
    record ObjectMapperQuote(String text) {
        @Override
        public String toString() {
            try {
                return new ObjectMapper().writeValueAsString(text);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void aPlainContainerNeedsNothing() {
        assertEquals(Set.of(), PARSER.parse(docker("")).needs());
        assertEquals(Set.of(), PARSER.parse(docker(", \"privileged\": false")).needs());
    }

    @Test
    void privilegedIsClassified() {
        assertEquals(Set.of(Allowance.PRIVILEGED), PARSER.parse(docker(", \"privileged\": true")).needs());
    }

    @Test
    void aHostPathIsAHostMountAndANamedVolumeIsNot() {
        assertEquals(Set.of(Allowance.HOST_MOUNTS), PARSER.parse(volume("/srv/models", "/models")).needs());
        assertEquals(Set.of(), PARSER.parse(volume("models-cache", "/models")).needs());
    }

    @Test
    void bothAtOnce() {
        String spec = docker(", \"privileged\": true, \"volumes\": [{\"source\": \"/dev/shm\", \"target\": \"/x\"}]");
        assertEquals(Set.of(Allowance.PRIVILEGED, Allowance.HOST_MOUNTS), PARSER.parse(spec).needs());
    }

    @Test
    void aProcessJobNeedsNothingItCanBeRefused() {
        // the process runtime is host access by nature; an operator removes it from a node instead
        assertEquals(Set.of(), PARSER.parse(SchemaJobSpecParserTest.HELLO_YAML).needs());
    }

    @ParameterizedTest
    @ValueSource(strings = { "/srv/../etc", "/srv/./x", "/srv//x", "/srv/", "srv/x", "./x", "../x", "/srv/x\n",
            "/srv/\u0000x", "~/x", "a b" })
    void hostPathsMustBeAbsoluteAndNormalised(String source) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> PARSER.parse(volume(source, "/data")));
        assertEquals("docker.volumes[0].source", e.field(), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = { "/data/../etc", "/data/", "data", "//data", "/da\nta" })
    void targetsToo(String target) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> PARSER.parse(volume("/srv/models", target)));
        assertTrue(e.field().startsWith("docker.volumes[0].target"), e.getMessage());
    }

    @Test
    void theProcessProgramIsANameOrAnAbsolutePath() {
        String ok = "{\"name\": \"p\", \"runtime\": \"process\", \"process\": {\"command\": [\"/usr/bin/env\"],"
                + " \"workdir\": \"/tmp\"}}";
        PARSER.parse(ok);
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> PARSER.parse(
                "{\"name\": \"p\", \"runtime\": \"process\", \"process\": {\"command\": [\"../bin/x\"]}}"));
        assertEquals("process.command[0]", e.field());
        e = assertThrows(InvalidArgumentException.class, () -> PARSER.parse(
                "{\"name\": \"p\", \"runtime\": \"process\", \"process\": {\"command\": [\"x\"], \"workdir\": \"/a/../b\"}}"));
        assertEquals("process.workdir", e.field());
    }

    @Test
    void labelsAndConstraintsFollowTheOneLabelRule() {
        PARSER.parse("{\"name\": \"p\", \"runtime\": \"process\", \"process\": {\"command\": [\"x\"]},"
                + " \"labels\": {\"orchion.io/team\": \"vision\"},"
                + " \"constraints\": [{\"label\": \"example.com/gpu\", \"in\": [\"a100\"]}]}");
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> PARSER.parse(
                "{\"name\": \"p\", \"runtime\": \"process\", \"process\": {\"command\": [\"x\"]},"
                        + " \"constraints\": [{\"label\": \"zone\", \"in\": [\"a\\u0007b\"]}]}"));
        assertEquals("constraints[0].in", e.field(), e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> PARSER.parse(
                "{\"name\": \"p\", \"runtime\": \"process\", \"process\": {\"command\": [\"x\"]},"
                        + " \"constraints\": [{\"label\": \"-bad\", \"exists\": true}]}"));
        assertTrue(e.field().startsWith("constraints[0].label"), e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> PARSER.parse(
                "{\"name\": \"p\", \"runtime\": \"process\", \"process\": {\"command\": [\"x\"]},"
                        + " \"labels\": {\"team\": \"" + "v".repeat(64) + "\"}}"));
        assertTrue(e.field().startsWith("labels"), e.getMessage());
    }

    @Test
    void theSchemaCarriesTheValidatorsLabelKeyPattern() throws IOException {
        try (InputStream in = JobSpecParser.class.getResourceAsStream(JobSpecParser.SCHEMA_RESOURCE)) {
            var schema = new ObjectMapper().readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertEquals("^" + Validation.LABEL_KEY_PATTERN + "$",
                    schema.path("$defs").path("labelKey").path("pattern").asText());
            assertEquals("^" + Validation.JOB_NAME_PATTERN + "$",
                    schema.path("properties").path("name").path("pattern").asText());
            assertEquals("^" + io.orchion.api.Durations.PATTERN + "$",
                    schema.path("$defs").path("duration").path("pattern").asText());
        }
    }
}
