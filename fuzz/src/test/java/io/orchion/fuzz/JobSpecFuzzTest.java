package io.orchion.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobSpecParser;
import io.orchion.jobs.internal.SchemaJobSpecParser;

/**
 * The job spec parser and validator ({@link SchemaJobSpecParser}) on any text, and on specs built
 * field by field. A spec is either accepted, and then holds what the schema promises, or refused
 * with an {@link InvalidArgumentException} whose every problem names its field. Anything else
 * thrown (NullPointerException, StackOverflowError, ClassCastException, ...) is a finding.
 */
class JobSpecFuzzTest {
    static final JobSpecParser PARSER = new SchemaJobSpecParser();
    static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?");
    static final Pattern RUNTIME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new YAMLMapper();

    /** Any bytes as a spec: JSON when it starts with '{', YAML otherwise (seeds in JobSpecFuzzTestInputs/anyText). */
    @DictionaryEntries({ "name: ", "runtime: ", "process", "docker", "ollama", "vllm", "settings", "resources",
            "cpu", "memory", "gpus", "gpuMemory", "constraints", "label", "notIn", "exists", "priority", "restart",
            "attempts", "backoff", "timeout", "labels", "command", "image", "model", "mode", "chat", "embed", "complete",
            "messages", "prompt", "endpoint", "server", "keepAlive", "256Mi", "1.5Gi", "10m", "30s", "500ms", "2d",
            "\"name\":", "\"runtime\":", "&a", "*a", "!!binary", "<<: ", "---", "{", "}", "[", "]" })
    @FuzzTest(maxDuration = "60s")
    void anyText(byte[] input) {
        check(new String(input, StandardCharsets.UTF_8));
    }

    /**
     * A spec skeleton whose fields the fuzzer fills, written as JSON or YAML: most of these pass the
     * syntax and reach the schema's conditional rules and the conversion of quantities and durations.
     */
    @FuzzTest(maxDuration = "60s")
    void structuredSpec(FuzzedDataProvider data) throws JsonProcessingException {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", data.consumeBoolean() ? "hello" : data.consumeString(70));
        String runtime = data.pickValue(new String[] { "process", "docker", "ollama", "vllm", "plugin", "" });
        if (runtime.isEmpty()) {
            runtime = data.consumeString(34);
        }
        spec.put("runtime", runtime);
        spec.put(data.consumeBoolean() ? runtime : "settings", section(data, runtime));
        if (data.consumeBoolean()) {
            Map<String, Object> r = new LinkedHashMap<>();
            maybe(data, r, "cpu", () -> data.consumeBoolean() ? data.consumeDouble() : data.consumeInt(-2, 2000));
            maybe(data, r, "memory", () -> quantity(data));
            maybe(data, r, "gpus", () -> data.consumeInt(-2, 70));
            maybe(data, r, "gpuMemory", () -> quantity(data));
            spec.put("resources", r);
        }
        if (data.consumeBoolean()) {
            List<Object> constraints = new ArrayList<>();
            for (int i = data.consumeInt(0, 3); i > 0; i--) {
                Map<String, Object> c = new LinkedHashMap<>();
                maybe(data, c, "label", () -> data.consumeString(70));
                maybe(data, c, "in", () -> List.of(data.consumeString(10)));
                maybe(data, c, "notIn", () -> data.consumeBoolean() ? List.of() : List.of(data.consumeString(10)));
                maybe(data, c, "exists", data::consumeBoolean);
                constraints.add(c);
            }
            spec.put("constraints", constraints);
        }
        maybe(data, spec, "priority", () -> data.consumeInt(-5, 1005));
        if (data.consumeBoolean()) {
            Map<String, Object> restart = new LinkedHashMap<>();
            maybe(data, restart, "attempts", () -> data.consumeInt(-1, 101));
            maybe(data, restart, "backoff", () -> duration(data));
            spec.put("restart", restart);
        }
        maybe(data, spec, "timeout", () -> duration(data));
        if (data.consumeBoolean()) {
            Map<String, Object> labels = new LinkedHashMap<>();
            for (int i = data.consumeInt(0, 3); i > 0; i--) {
                labels.put(data.consumeString(70), data.consumeBoolean() ? data.consumeString(300) : data.consumeInt());
            }
            spec.put("labels", labels);
        }
        if (data.consumeBoolean()) {
            spec.put(data.consumeString(12), data.consumeString(12));
        }
        check(data.consumeBoolean() ? JSON.writeValueAsString(spec) : YAML.writeValueAsString(spec));
    }

    private static Map<String, Object> section(FuzzedDataProvider data, String runtime) {
        Map<String, Object> s = new LinkedHashMap<>();
        switch (runtime) {
            case "process" -> {
                maybe(data, s, "command", () -> data.consumeBoolean() ? List.of("sh", "-c", data.consumeString(20))
                        : List.of());
                maybe(data, s, "env", () -> Map.of(data.consumeString(10), data.consumeString(10)));
                maybe(data, s, "workdir", () -> data.consumeString(20));
            }
            case "docker" -> {
                maybe(data, s, "image", () -> data.consumeString(20));
                maybe(data, s, "pull", () -> data.pickValue(new String[] { "missing", "always", "never", "sometimes" }));
                maybe(data, s, "stopGrace", () -> duration(data));
                maybe(data, s, "ports", () -> List.of(Map.of("container", data.consumeInt(-1, 70000), "host",
                        data.consumeInt(-1, 70000))));
                maybe(data, s, "volumes", () -> List.of(Map.of("source", data.consumeString(10), "target",
                        data.consumeString(10))));
            }
            case "ollama" -> {
                maybe(data, s, "model", () -> data.consumeString(20));
                maybe(data, s, "mode", () -> data.pickValue(new String[] { "generate", "chat", "embed", "other" }));
                maybe(data, s, "prompt", () -> data.consumeString(20));
                maybe(data, s, "messages", () -> List.of(Map.of("role", data.pickValue(new String[] { "user", "x" }),
                        "content", data.consumeString(10))));
                maybe(data, s, "input", () -> data.consumeBoolean() ? data.consumeString(10) : List.of());
                maybe(data, s, "keepAlive", () -> data.consumeBoolean() ? data.consumeString(40) : data.consumeInt());
            }
            case "vllm" -> {
                maybe(data, s, "mode", () -> data.pickValue(new String[] { "serve", "complete", "other" }));
                maybe(data, s, "model", () -> data.consumeString(20));
                maybe(data, s, "endpoint", () -> data.consumeString(20));
                maybe(data, s, "server", () -> data.consumeString(20));
                maybe(data, s, "prompt", () -> data.consumeString(20));
                maybe(data, s, "port", () -> data.consumeInt(-1, 70000));
                maybe(data, s, "maxTokens", () -> data.consumeInt());
                maybe(data, s, "temperature", data::consumeDouble);
                maybe(data, s, "healthTimeout", () -> duration(data));
            }
            default -> maybe(data, s, data.consumeString(10), () -> data.consumeString(10));
        }
        return s;
    }

    private static Object quantity(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 3)) {
            case 0 -> data.consumeLong();
            case 1 -> data.consumeInt(0, 99999) + data.pickValue(new String[] { "", "Ki", "Mi", "Gi", "Ti", "K", "M",
                    "G", "T", ".5Gi", "Pi" });
            case 2 -> data.consumeDouble();
            default -> data.consumeString(30);
        };
    }

    private static Object duration(FuzzedDataProvider data) {
        return data.consumeBoolean()
                ? data.consumeLong(0, 9_999_999_999L) + data.pickValue(new String[] { "ms", "s", "m", "h", "d", "w", "" })
                : data.consumeString(15);
    }

    private static void maybe(FuzzedDataProvider data, Map<String, Object> map, String key,
            java.util.function.Supplier<Object> value) {
        if (data.consumeBoolean()) {
            map.put(key, value.get());
        }
    }

    /** The parser's contract: a spec that holds what the schema promises, or a refusal naming fields. */
    static void check(String text) {
        JobSpec spec;
        try {
            spec = PARSER.parse(text);
        } catch (InvalidArgumentException refused) {
            assertRefusalNamesItsFields(refused);
            return;
        }
        assertAccepted(spec);
    }

    static void assertRefusalNamesItsFields(InvalidArgumentException e) {
        assertNotNull(e.getMessage(), "a refusal has a message");
        assertFalse(e.getMessage().isBlank(), "a refusal's message is not blank");
        assertNotNull(e.field(), () -> "a refusal names a field: " + e.getMessage());
        assertFalse(e.field().isBlank(), () -> "a refusal names a field: " + e.getMessage());
        assertFalse(e.problems().isEmpty(), () -> "a refusal lists its problems: " + e.getMessage());
        for (String p : e.problems()) {
            // an unknown key is named as written, and may itself hold ": " (input key-with-colon)
            int colon = p.lastIndexOf(": ");
            assertTrue(colon >= 0, () -> "a problem reads 'field: what is wrong': " + p);
            assertFalse(p.substring(colon + 2).isBlank(), () -> "a problem says what is wrong: " + p);
        }
    }

    static void assertAccepted(JobSpec s) {
        assertTrue(NAME.matcher(s.name()).matches(), () -> "accepted name " + s.name());
        assertTrue(RUNTIME.matcher(s.runtime()).matches(), () -> "accepted runtime " + s.runtime());
        assertNotNull(s.runtimeSettings(), "runtime settings");
        assertNotNull(s.resources(), "resources");
        assertTrue(s.resources().cpu() >= 0 && s.resources().cpu() <= 1024, () -> "cpu " + s.resources().cpu());
        assertTrue(s.resources().gpus() >= 0 && s.resources().gpus() <= 64, () -> "gpus " + s.resources().gpus());
        assertTrue(s.resources().memoryBytes() >= 0, () -> "memory " + s.resources().memoryBytes());
        assertTrue(s.resources().gpuMemoryBytes() == 0 || s.resources().gpus() > 0, "GPU memory without GPUs");
        assertNotNull(s.constraints(), "constraints");
        s.constraints().forEach(c -> assertTrue(c.label() != null && !c.label().isEmpty(), "constraint label"));
        assertTrue(s.priority() >= 0 && s.priority() <= 1000, () -> "priority " + s.priority());
        assertNotNull(s.restart(), "restart policy");
        assertTrue(s.restart().attempts() >= 0 && s.restart().attempts() <= 100, () -> "attempts " + s.restart());
        assertTrue(s.restart().backoff() != null && !s.restart().backoff().isNegative(), () -> "backoff " + s.restart());
        assertTrue(s.timeout() == null || s.timeout().compareTo(Duration.ZERO) > 0, () -> "timeout " + s.timeout());
        assertNotNull(s.labels(), "labels");
        s.labels().values().forEach(v -> assertTrue(v.indexOf('\uFFFD') < 0 && io.orchion.api.Validation.isWellFormed(v),
                () -> "accepted label value " + v));
        if (s.runtimeSettings().get("env") instanceof Map<?, ?> env) {
            env.keySet().forEach(k -> assertTrue(io.orchion.api.Validation.isEnvName(String.valueOf(k)),
                    () -> "accepted env name " + k));
        }
    }
}
