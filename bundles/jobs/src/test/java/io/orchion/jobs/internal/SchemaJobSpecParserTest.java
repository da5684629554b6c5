package io.orchion.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.job.Constraint;
import io.orchion.api.job.JobSpec;

class SchemaJobSpecParserTest {
    static final SchemaJobSpecParser PARSER = new SchemaJobSpecParser();

    static final String HELLO_YAML = """
            name: hello
            runtime: process
            process: { command: ["sh", "-c", "echo hello; sleep 1"] }
            resources: { cpu: 0.5, memory: 256Mi, gpus: 0 }
            constraints: [ { label: arch, in: [amd64, arm64] } ]
            restart: { attempts: 2 }
            timeout: 10m
            """;

    static InvalidArgumentException refused(String spec) {
        return assertThrows(InvalidArgumentException.class, () -> PARSER.parse(spec));
    }

    @Test
    void theIssuesExampleParses() {
        JobSpec s = PARSER.parse(HELLO_YAML);
        assertEquals("hello", s.name());
        assertEquals("process", s.runtime());
        assertEquals(List.of("sh", "-c", "echo hello; sleep 1"), s.runtimeSettings().get("command"));
        assertEquals(0.5, s.resources().cpu());
        assertEquals(256L << 20, s.resources().memoryBytes());
        assertEquals(List.of(new Constraint("arch", List.of("amd64", "arm64"), null, null)), s.constraints());
        assertEquals(2, s.restart().attempts());
        assertEquals(Duration.ofMinutes(10), s.timeout());
        assertEquals(100, s.priority());
    }

    @Test
    void jsonAndYamlAreOneSchema() {
        String json = """
                {"name": "hello", "runtime": "process",
                 "process": {"command": ["sh", "-c", "echo hello; sleep 1"]},
                 "resources": {"cpu": 0.5, "memory": "256Mi", "gpus": 0},
                 "constraints": [{"label": "arch", "in": ["amd64", "arm64"]}],
                 "restart": {"attempts": 2}, "timeout": "10m"}
                """;
        assertEquals(PARSER.parse(HELLO_YAML), PARSER.parse(json));
    }

    @Test
    void gpuJobsAndDefaults() {
        JobSpec s = PARSER.parse("""
                name: llama
                runtime: vllm
                vllm: { model: tiny }
                resources: { gpus: 1, gpuMemory: 6Gi }
                labels: { team: ml }
                """);
        assertEquals(1, s.resources().gpus());
        assertEquals(6L << 30, s.resources().gpuMemoryBytes());
        assertEquals(SchemaJobSpecParser.DEFAULT_CPU, s.resources().cpu());
        assertEquals(Map.of("model", "tiny"), s.runtimeSettings());
        assertEquals(Map.of("team", "ml"), s.labels());
        assertNull(s.timeout());
    }

    @Test
    void aLlamaCppJobReadsItsLlamaCppSection() {
        // given a llama-cpp job: the dashed runtime name is the camel-case section
        JobSpec s = PARSER.parse("""
                name: qwen
                runtime: llama-cpp
                llamaCpp: { model: "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/q4.gguf", contextSize: 4096, parallel: 2 }
                """);
        // then the runtime gets that section as its settings
        assertEquals(Map.of("model", "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/q4.gguf", "contextSize", 4096, "parallel", 2),
                s.runtimeSettings());
        // and the section is required, its fields checked by the schema
        assertTrue(refused("name: x\nruntime: llama-cpp\n").getMessage().contains("llamaCpp: required"));
        assertEquals("llamaCpp.model", refused("name: x\nruntime: llama-cpp\nllamaCpp: { alias: a }\n").field());
        assertEquals("llamaCpp.threads",
                refused("name: x\nruntime: llama-cpp\nllamaCpp: { model: /m.gguf, threads: 0 }\n").field());
        assertEquals("llamaCpp.env",
                refused("name: x\nruntime: llama-cpp\nllamaCpp: { model: /m.gguf, env: { \"A=B\": c } }\n").field());
    }

    @Test
    void everyBadFieldIsNamed() {
        // negative memory
        InvalidArgumentException neg = refused(HELLO_YAML.replace("256Mi", "-1Gi"));
        assertEquals("resources.memory", neg.field(), neg.getMessage());
        // an unknown field
        InvalidArgumentException unknown = refused(HELLO_YAML + "colour: blue\n");
        assertEquals("colour", unknown.field(), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("colour: unknown field"), unknown.getMessage());
        // a process job without its command
        InvalidArgumentException noCommand = refused("name: x\nruntime: process\n");
        assertTrue(noCommand.getMessage().contains("process: required"), noCommand.getMessage());
        // a bad name and a bad duration, reported together
        InvalidArgumentException two = refused(HELLO_YAML.replace("name: hello", "name: Hello World")
                .replace("timeout: 10m", "timeout: soon"));
        assertEquals(2, two.problems().size(), two.getMessage());
        assertTrue(two.getMessage().contains("name:") && two.getMessage().contains("timeout:"), two.getMessage());
        // a runtime name that cannot be a runtime
        assertEquals("runtime", refused(HELLO_YAML.replace("runtime: process", "runtime: \"rm -rf\"")).field());
        // GPU memory without GPUs
        assertEquals("resources.gpuMemory",
                refused("name: x\nruntime: docker\ndocker: { image: busybox }\nresources: { gpuMemory: 4Gi }\n").field());
        // a docker job without its image, an ollama chat without messages
        assertTrue(refused("name: x\nruntime: docker\ndocker: {}\n").getMessage().contains("docker.image"));
        assertTrue(refused("name: x\nruntime: ollama\nollama: { model: m, mode: chat }\n").getMessage()
                .contains("messages"));
    }

    @Test
    void aLineBreakAtTheEndIsNotPartOfANameRuntimeOrLabel() {
        // found by the fuzzer (fuzz/ JobSpecFuzzTest#structuredSpec): Java's $ matched before the \n
        InvalidArgumentException e = refused("""
                {"name": "hello\\n", "runtime": "docker\\n", "docker": {"image": "busybox"},
                 "labels": {"team\\r\\n": "ml"}}
                """);
        assertEquals("name", e.field(), e.getMessage());
        assertEquals(List.of("labels.team: must not end with a line break", "name: must not end with a line break",
                "runtime: must not end with a line break"), e.problems());
    }

    @Test
    void aBlankUnknownKeyIsNamedQuoted() {
        // found by the fuzzer (fuzz/ JobSpecFuzzTest#structuredSpec): a key "\n\n" was named as blank
        InvalidArgumentException e = refused("{\"name\": \"x\", \"runtime\": \"p\", \"\\n\\n\": 1}");
        assertEquals("\"\\n\\n\"", e.field(), e.getMessage());
        assertEquals(List.of("\"\\n\\n\": unknown field"), e.problems());
    }

    @Test
    void badSyntaxSaysWhereAndWhichFormat() {
        InvalidArgumentException yaml = refused("name: [unclosed\nruntime: process\n");
        assertEquals("spec", yaml.field());
        assertTrue(yaml.getMessage().contains("not valid YAML") && yaml.getMessage().contains("line"), yaml.getMessage());
        InvalidArgumentException json = refused("{\"name\": \"x\", ");
        assertTrue(json.getMessage().contains("not valid JSON"), json.getMessage());
        InvalidArgumentException dup = refused("name: a\nname: b\nruntime: docker\n");
        assertTrue(dup.getMessage().toLowerCase().contains("duplicate"), dup.getMessage());
        assertEquals("spec", refused("- just\n- a list\n").field());
        assertEquals("spec", refused("   ").field());
    }

    @Test
    void anOversizedSpecIsRefusedBeforeParsing() {
        String huge = "name: x\nruntime: docker\nlabels:\n" + "  k: v\n".repeat(200_000);
        InvalidArgumentException e = refused(huge);
        assertTrue(e.getMessage().contains("larger than"), e.getMessage());
    }

    @Test
    void quantitiesAndDurations() {
        assertEquals(1_500_000_000L, Quantities.bytes("m", "1.5G"));
        assertEquals(3L << 30, Quantities.bytes("m", "3Gi"));
        assertEquals(42, Quantities.bytes("m", "42"));
        assertEquals(Duration.ofMillis(250), Quantities.duration("d", "250ms"));
        assertEquals(Duration.ofDays(2), Quantities.duration("d", "2d"));
        assertThrows(IllegalArgumentException.class, () -> Quantities.bytes("m", "99999999999Ti"));
    }
}
