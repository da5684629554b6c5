package io.orchion.runtime.vllm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;

class ServeSpecTest {

    @Test
    void buildsTheVllmServeCommandLineFromTheSpec() {
        // given a spec with every server option, numbers as the protobuf JSON mapping delivers them
        ServeSpec spec = ServeSpec.parse(Map.of("model", "Qwen/Qwen2.5-0.5B", "tensorParallelSize", 2.0,
                "maxModelLen", 4096.0, "extraArgs", List.of("--dtype", "half")), Options.DEFAULTS);

        // when the command line is built for port 8123
        List<String> argv = spec.processArgv(8123);

        // then it is vllm serve with each option in vLLM's spelling
        assertEquals(List.of("vllm", "serve", "Qwen/Qwen2.5-0.5B", "--host", "127.0.0.1", "--port", "8123",
                "--tensor-parallel-size", "2", "--max-model-len", "4096", "--dtype", "half"), argv);
    }

    @Test
    void leavesOutOptionsTheSpecDoesNotSetAndTakesTheConfiguredCommand() {
        Options options = Options.parse(Map.of("command", "/opt/venv/bin/python -m vllm.entrypoints.cli.main"));

        List<String> argv = ServeSpec.parse(Map.of("model", "m", "host", "0.0.0.0", "port", 9000), options)
                .processArgv(9000);

        assertEquals(List.of("/opt/venv/bin/python", "-m", "vllm.entrypoints.cli.main", "serve", "m", "--host",
                "0.0.0.0", "--port", "9000"), argv);
    }

    @Test
    void aSpecCommandReplacesTheConfiguredOne() {
        ServeSpec spec = ServeSpec.parse(Map.of("model", "m", "command", List.of("/usr/local/bin/vllm")),
                Options.DEFAULTS);

        assertEquals("/usr/local/bin/vllm", spec.processArgv(1).get(0));
    }

    @Test
    void theContainerGetsTheSameServerArgumentsAndPublishesItsPort() {
        ServeSpec spec = ServeSpec.parse(Map.of("model", "m", "launcher", "container", "maxModelLen", 2048,
                "env", Map.of("HF_TOKEN", "t")), Options.DEFAULTS);

        Map<String, Object> docker = ContainerServer.dockerSettings(spec, 41000, "run-1");

        assertEquals("vllm/vllm-openai:latest", docker.get("image"));
        assertEquals(List.of("m", "--host", "0.0.0.0", "--port", "8000", "--max-model-len", "2048"), docker.get("args"));
        assertEquals(List.of(Map.of("container", 8000, "host", 41000, "hostIp", "127.0.0.1")), docker.get("ports"));
        assertEquals(Map.of("HF_TOKEN", "t"), docker.get("env"));
    }

    @Test
    void refusesBadSettingsNamingTheField() {
        assertField("vllm.model", Map.of("launcher", "process"));
        assertField("vllm.launcher", Map.of("model", "m", "launcher", "kubernetes"));
        assertField("vllm.port", Map.of("model", "m", "port", 70000));
        assertField("vllm.tensorParallelSize", Map.of("model", "m", "tensorParallelSize", 1.5));
        assertField("vllm.healthTimeout", Map.of("model", "m", "healthTimeout", "soon"));
        assertField("vllm.extraArgs", Map.of("model", "m", "extraArgs", Map.of("a", "b")));
    }

    @Test
    void configurationDefaultsWorkWithNoFile() {
        Options o = Options.parse(Map.of());

        assertEquals(List.of("vllm"), o.command());
        assertEquals(Duration.ofMinutes(10), o.healthTimeout());
        assertEquals(Duration.ofSeconds(10), o.healthInterval());
        assertEquals(3, o.unhealthyThreshold());
    }

    @Test
    void refusesBadConfigurationNamingTheKey() {
        // configuration files deliver strings
        for (Map.Entry<String, String> bad : Map.of("healthTimeout", "ten minutes", "healthInterval", "0s",
                "unhealthyThreshold", "0", "stopGrace", "5 s").entrySet()) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> Options.parse(Map.of(bad.getKey(), bad.getValue())));
            assertEquals(bad.getKey(), e.field());
        }
        InvalidArgumentException unknown = assertThrows(InvalidArgumentException.class,
                () -> Options.parse(Map.of("healthtimeout", "5m", "service.pid", "io.orchion.runtime.vllm")));
        assertTrue(unknown.getMessage().contains("unknown key 'healthtimeout'"), unknown.getMessage());
        // what DS adds to the configuration is no unknown key: the component's own property, the pid, the file
        assertEquals(Options.parse(Map.of("command", "/x/vllm")), Options.parse(Map.of("command", "/x/vllm",
                "orchion.runtime", "vllm", "service.pid", "io.orchion.runtime.vllm", "component.name", "x",
                "component.id", 7L, "felix.fileinstall.filename", "file:/conf/io.orchion.runtime.vllm.cfg")));
    }

    @Test
    void aBadConfigurationLeavesThePreviousInForce() {
        // given a runtime started with a bad file: the defaults apply
        VllmRuntime runtime = new VllmRuntime(Map.of("unhealthyThreshold", "many"));
        assertEquals(Options.DEFAULTS, runtime.options());

        // when a good file follows, then a bad edit
        runtime.modified(Map.of("command", "/opt/vllm/bin/vllm", "healthInterval", "30s"));
        runtime.modified(Map.of("command", "/opt/vllm/bin/vllm", "healthInterval", "soon"));

        // then the good one stays in force
        assertEquals(List.of("/opt/vllm/bin/vllm"), runtime.options().command());
        assertEquals(Duration.ofSeconds(30), runtime.options().healthInterval());
    }

    private static void assertField(String field, Map<String, Object> settings) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> ServeSpec.parse(settings, Options.DEFAULTS));
        assertEquals(field, e.field(), e.getMessage());
    }
}
