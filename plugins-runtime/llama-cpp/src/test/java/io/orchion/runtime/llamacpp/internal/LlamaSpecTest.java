package io.orchion.runtime.llamacpp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.model.ModelSource;
import io.orchion.api.scheduler.ResourceRequest;

/** A llama-cpp job's settings: the llama-server command line, defaults, and refusals naming the field. */
class LlamaSpecTest {
    private static final String SUM = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static LlamaSpec parse(Map<String, Object> settings, ResourceRequest resources) {
        return LlamaSpec.parse(settings, "qwen", resources, Options.DEFAULTS);
    }

    private static void assertField(String field, Map<String, Object> settings) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> parse(settings, null));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
    }

    @Test
    void everySettingBecomesItsLlamaServerOption() {
        // given a spec with every option
        Map<String, Object> s = new HashMap<>(Map.of("model", "https://files.lan/qwen.gguf", "sha256", SUM, "alias",
                "qwen-small", "contextSize", 4096.0, "threads", 6.0, "gpuLayers", 99.0, "parallel", 4.0, "host",
                "0.0.0.0", "extraArgs", List.of("--flash-attn", "on")));
        LlamaSpec spec = parse(s, null);

        // then the command line carries each, in llama-server's own flags, extra arguments last
        assertEquals(List.of("/opt/llama/bin/llama-server", "-m", "/cache/qwen.gguf", "--host", "0.0.0.0", "--port",
                "8081", "--alias", "qwen-small", "-c", "4096", "-t", "6", "-ngl", "99", "--parallel", "4", "--flash-attn",
                "on"), spec.argv(List.of("/opt/llama/bin/llama-server"), Path.of("/cache/qwen.gguf"), 8081));
        assertEquals(new ModelSource(ModelSource.Kind.URL, "https://files.lan/qwen.gguf", SUM), spec.model());
    }

    @Test
    void withOnlyAModelTheServerGetsItsDefaultsAndTheJobsName() {
        LlamaSpec spec = parse(Map.of("model", "/srv/models/qwen.gguf"), null);
        assertEquals(List.of("llama-server", "-m", "/srv/models/qwen.gguf", "--host", "127.0.0.1", "--port", "9000",
                "--alias", "qwen"), spec.argv(List.of("llama-server"), Path.of("/srv/models/qwen.gguf"), 9000));
        assertEquals(0, spec.port());
        assertEquals(Duration.ofMinutes(10), spec.healthTimeout());
    }

    @Test
    void threadsDefaultToTheCpuRequestRoundedUp() {
        assertEquals(3, parse(Map.of("model", "/m.gguf"), new ResourceRequest(2.5, 0, 0, 0)).threads());
        assertEquals(2, parse(Map.of("model", "/m.gguf", "threads", 2), new ResourceRequest(8, 0, 0, 0)).threads());
        assertNull(parse(Map.of("model", "/m.gguf"), null).threads());
    }

    @Test
    void badValuesAreRefusedNamingTheirField() {
        assertField("llamaCpp.model", Map.of());
        assertField("llamaCpp.model", Map.of("model", "qwen.gguf"));
        assertField("llamaCpp.model", Map.of("model", "ollama:qwen2.5:0.5b"));
        assertField("llamaCpp.sha256", Map.of("model", "/m.gguf", "sha256", "abc"));
        assertField("llamaCpp.contextSize", Map.of("model", "/m.gguf", "contextSize", -1));
        assertField("llamaCpp.threads", Map.of("model", "/m.gguf", "threads", 0));
        assertField("llamaCpp.threads", Map.of("model", "/m.gguf", "threads", 1.5));
        assertField("llamaCpp.gpuLayers", Map.of("model", "/m.gguf", "gpuLayers", "all"));
        assertField("llamaCpp.parallel", Map.of("model", "/m.gguf", "parallel", 0));
        assertField("llamaCpp.port", Map.of("model", "/m.gguf", "port", 70000));
        assertField("llamaCpp.extraArgs", Map.of("model", "/m.gguf", "extraArgs", "--flash-attn on"));
        assertField("llamaCpp.env", Map.of("model", "/m.gguf", "env", List.of("A=1")));
        assertField("llamaCpp.healthTimeout", Map.of("model", "/m.gguf", "healthTimeout", "soon"));
    }

    @Test
    void theConfigurationHasDefaultsAndRefusesUnknownKeys() {
        Options o = Options.parse(Map.of("command", "/opt/llama/bin/llama-server --log-disable", "healthInterval", "2s"));
        assertEquals(List.of("/opt/llama/bin/llama-server", "--log-disable"), o.command());
        assertEquals(Duration.ofSeconds(2), o.checks().healthInterval());
        assertEquals(Duration.ofMinutes(10), o.checks().healthTimeout());
        assertEquals(List.of("llama-server"), Options.parse(Map.of()).command());
        InvalidArgumentException unknown = assertThrows(InvalidArgumentException.class,
                () -> Options.parse(Map.of("comand", "x", "service.pid", LlamaCppRuntime.PID)));
        assertEquals("comand", unknown.field());
        InvalidArgumentException bad = assertThrows(InvalidArgumentException.class,
                () -> Options.parse(Map.of("unhealthyThreshold", "0")));
        assertEquals("unhealthyThreshold", bad.field());
    }
}
