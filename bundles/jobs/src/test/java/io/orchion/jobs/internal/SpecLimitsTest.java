package io.orchion.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobSpecParser;

/**
 * What one job may carry: each limit is met by a spec just under it (accepted) and one just over
 * it (refused, naming the field and the limit). The same parser serves REST, gRPC and the shell.
 */
class SpecLimitsTest {
    static final SchemaJobSpecParser PARSER = new SchemaJobSpecParser();

    static InvalidArgumentException refused(String spec) {
        return assertThrows(InvalidArgumentException.class, () -> PARSER.parse(spec));
    }

    static void refusedNaming(String spec, String field, String limit) {
        InvalidArgumentException e = refused(spec);
        assertEquals(field, e.field(), e.getMessage());
        // the validator writes numbers for the default locale: 32,768
        assertTrue(e.getMessage().replaceAll("(\\d)[,.\u00a0\u202f](\\d{3})", "$1$2").contains(limit),
                () -> "the limit " + limit + " is not named: " + e.getMessage());
    }

    /** A process job whose {@code process:} section is {@code body}, as JSON. */
    static String process(String body) {
        return "{\"name\": \"big\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"]" + body + "}}";
    }

    static String jsonList(int n, IntFunction<String> item) {
        return IntStream.range(0, n).mapToObj(i -> "\"" + item.apply(i) + "\"").collect(Collectors.joining(",", "[", "]"));
    }

    static String jsonEnv(int n, IntFunction<String> value) {
        return IntStream.range(0, n).mapToObj(i -> "\"V" + i + "\": \"" + value.apply(i) + "\"")
                .collect(Collectors.joining(",", "{", "}"));
    }

    @Test
    void aSpecOf64KiBIsAcceptedAndOneByteMoreIsRefused() {
        String head = "{\"name\": \"big\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"], \"args\": [\"";
        String tail = "\"]}}";
        // two args of plain text filling the spec to exactly 64 KiB
        int room = JobSpecParser.MAX_SPEC_BYTES - head.length() - tail.length() - "\", \"".length();
        String exact = head + "a".repeat(room / 2) + "\", \"" + "a".repeat(room - room / 2) + tail;
        assertEquals(JobSpecParser.MAX_SPEC_BYTES, exact.length());
        JobSpec s = PARSER.parse(exact);
        assertEquals("big", s.name());
        refusedNaming(exact.replace(tail, "a" + tail), "spec", "64 KiB");
        // what the probe sent: 1 MB, inside the REST body limit
        refusedNaming(head + "a".repeat(1_000_000) + tail, "spec", "65536 bytes");
    }

    @Test
    void theSizeCountsBytesOfUtf8NotCharacters() {
        // 30,000 characters of 'é' are 60,000 bytes: accepted; 33,000 are 66,000 bytes: refused
        PARSER.parse(process(", \"args\": [\"" + "é".repeat(16_000) + "\", \"" + "é".repeat(14_000) + "\"]"));
        refusedNaming(process(", \"args\": [\"" + "é".repeat(16_000) + "\", \"" + "é".repeat(17_000) + "\"]"), "spec",
                "64 KiB");
    }

    @Test
    void aYamlSpecIsMeasuredAsTheJsonItIsKeptAs() {
        // a flow list of 20,000 one-letter items is 40 KB of YAML but 80 KB of JSON
        String yaml = "name: plugin\nruntime: custom\nsettings:\n  items: [" + "a,".repeat(20_000) + "a]\n";
        assertTrue(yaml.length() < JobSpecParser.MAX_SPEC_BYTES);
        refusedNaming(yaml, "spec", "once written as JSON");
    }

    @Test
    void argsAreAtMost1024OfAtMost32KiBEach() {
        assertEquals(1024, ((List<?>) PARSER.parse(process(", \"args\": " + jsonList(1024, i -> "x"))).runtimeSettings()
                .get("args")).size());
        refusedNaming(process(", \"args\": " + jsonList(1025, i -> "x")), "process.args", "1024");
        PARSER.parse(process(", \"args\": [\"" + "y".repeat(32_768) + "\"]"));
        refusedNaming(process(", \"args\": [\"" + "y".repeat(32_769) + "\"]"), "process.args[0]", "32768");
        refusedNaming("{\"name\": \"c\", \"runtime\": \"docker\", \"docker\": {\"image\": \"busybox\", \"command\": "
                + jsonList(1025, i -> "x") + "}}", "docker.command", "1024");
        refusedNaming("{\"name\": \"v\", \"runtime\": \"vllm\", \"vllm\": {\"model\": \"m\", \"extraArgs\": "
                + jsonList(1025, i -> "x") + "}}", "vllm.extraArgs", "1024");
    }

    @Test
    void envIsAtMost256EntriesWithNamesOfAtMost256Characters() {
        PARSER.parse(process(", \"env\": " + jsonEnv(256, i -> "v")));
        refusedNaming(process(", \"env\": " + jsonEnv(257, i -> "v")), "process.env", "256");
        refusedNaming("{\"name\": \"c\", \"runtime\": \"docker\", \"docker\": {\"image\": \"busybox\", \"env\": "
                + jsonEnv(257, i -> "v") + "}}", "docker.env", "256");
        refusedNaming(process(", \"env\": {\"" + "N".repeat(257) + "\": \"v\"}"), "process.env", "256");
        refusedNaming(process(", \"env\": {\"N\": \"" + "v".repeat(32_769) + "\"}"), "process.env.N", "32768");
    }

    @Test
    void anEnvNameWithEqualsSignOrNulIsRefusedBeforeTheJobIsStored() {
        for (String section : new String[] { "process", "docker", "vllm" }) {
            String spec = switch (section) {
                case "process" -> process(", \"env\": {\"A=B\": \"c\"}");
                case "docker" -> "{\"name\": \"c\", \"runtime\": \"docker\", \"docker\": {\"image\": \"busybox\","
                        + " \"env\": {\"A=B\": \"c\"}}}";
                default -> "{\"name\": \"v\", \"runtime\": \"vllm\", \"vllm\": {\"model\": \"m\", \"env\": {\"A=B\": \"c\"}}}";
            };
            refusedNaming(spec, section + ".env", "no '='");
        }
        refusedNaming(process(", \"env\": {\"\": \"c\"}"), "process.env", "no '='");
        refusedNaming(process(", \"env\": {\"A\\u0000\": \"c\"}"), "process.env", "no '='");
        refusedNaming(process(", \"env\": {\"A\": \"c\\u0000d\"}"), "process.env.A", "NUL");
        refusedNaming(process(", \"args\": [\"ok\", \"c\\u0000d\"]"), "process.args[1]", "NUL");
        PARSER.parse(process(", \"env\": {\"A\": \"b=c\", \"my.var\": \"\"}"));
    }

    @Test
    void labelsWithAReplacementCharacterOrHalfASurrogatePairAreRefused() {
        refusedNaming("{\"name\": \"l\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"]},"
                + " \"labels\": {\"team\": \"ml\uFFFD\"}}", "labels.team", "U+FFFD");
        refusedNaming("{\"name\": \"l\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"]},"
                + " \"labels\": {\"team\": \"ml\\ud800\"}}", "labels.team", "unpaired surrogate");
        // anywhere else too: no UTF-8 encoder can write it when the job is stored or sent
        refusedNaming(process(", \"args\": [\"\\udc00\"]"), "process.args[0]", "unpaired surrogate");
        PARSER.parse("{\"name\": \"l\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"]},"
                + " \"labels\": {\"team\": \"\\ud83d\\ude80\"}}");
    }

    @Test
    void labelsAndOtherFreeSizedFieldsAreBounded() {
        String labels = IntStream.range(0, 65).mapToObj(i -> "\"k" + i + "\": \"v\"").collect(Collectors.joining(","));
        refusedNaming("{\"name\": \"l\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"]},"
                + " \"labels\": {" + labels + "}}", "labels", "64");
        refusedNaming("{\"name\": \"c\", \"runtime\": \"docker\", \"docker\": {\"image\": \"busybox\", \"labels\": {"
                + labels + "}}}", "docker.labels", "64");
        refusedNaming("{\"name\": \"o\", \"runtime\": \"ollama\", \"ollama\": {\"model\": \"m\", \"prompt\": \""
                + "p".repeat(32_769) + "\"}}", "ollama.prompt", "32768");
        String messages = IntStream.range(0, 257).mapToObj(i -> "{\"role\": \"user\", \"content\": \"hi\"}")
                .collect(Collectors.joining(",", "[", "]"));
        refusedNaming("{\"name\": \"o\", \"runtime\": \"ollama\", \"ollama\": {\"model\": \"m\", \"mode\": \"chat\","
                + " \"messages\": " + messages + "}}", "ollama.messages", "256");
        refusedNaming("{\"name\": \"c\", \"runtime\": \"docker\", \"docker\": {\"image\": \"busybox\", \"user\": \""
                + "u".repeat(257) + "\"}}", "docker.user", "256");
        String keys = IntStream.range(0, 257).mapToObj(i -> "\"k" + i + "\": 1").collect(Collectors.joining(","));
        refusedNaming("{\"name\": \"p\", \"runtime\": \"custom\", \"settings\": {" + keys + "}}", "settings", "256");
    }

    @Test
    void aPluginsSettingsNestAtMost32Deep() {
        PARSER.parse("{\"name\": \"p\", \"runtime\": \"custom\", \"settings\": " + "{\"a\": ".repeat(31) + "1"
                + "}".repeat(31) + "}");
        InvalidArgumentException e = refused("{\"name\": \"p\", \"runtime\": \"custom\", \"settings\": "
                + "{\"a\": ".repeat(32) + "1" + "}".repeat(32) + "}");
        assertTrue(e.field().startsWith("settings.a.a"), e.field());
        assertTrue(e.getMessage().contains("32 levels"), e.getMessage());
    }
}
