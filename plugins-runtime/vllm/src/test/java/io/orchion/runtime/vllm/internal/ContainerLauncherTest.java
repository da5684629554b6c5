package io.orchion.runtime.vllm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExecutionRuntime;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;

/** The container launcher's side of the docker runtime contract (the docker plugin is tested on its own). */
class ContainerLauncherTest {

    @Test
    void aContainerServerWithoutADockerRuntimeIsRefused() {
        VllmRuntime runtime = new VllmRuntime(Map.of());

        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> runtime.start(new RunRequest(
                "r", "llm", Map.of("model", "m", "launcher", "container"), null, List.of(), null, null), new Logs()));

        assertEquals("vllm.launcher", e.field());
        assertTrue(e.getMessage().contains("needs the docker runtime, and this node has none"), e.getMessage());
    }

    @Test
    void aContainerServerIsStartedThroughTheDockerRuntimeWithItsGpus() {
        // given a docker runtime that refuses every image (as one does when the image cannot be pulled)
        RunRequest[] seen = new RunRequest[1];
        VllmRuntime runtime = new VllmRuntime(Map.of("image", "vllm/vllm-openai:v0.9.0"));
        runtime.docker = new ExecutionRuntime() {
            @Override
            public Fingerprint fingerprint() {
                return new Fingerprint(true, "docker", Map.of());
            }

            @Override
            public RunHandle start(RunRequest request, LogSink logs) {
                seen[0] = request;
                throw new InvalidArgumentException("docker.image", "'" + request.settings().get("image") + "' cannot be pulled");
            }

            @Override
            public Optional<RunHandle> recover(RunRequest request, LogSink logs) {
                return Optional.empty();
            }
        };

        // when a container serve job on GPU 0 starts
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> runtime.start(new RunRequest(
                "r", "llm", Map.of("model", "m", "launcher", "container", "port", 18000), null, List.of(0), null, null),
                new Logs()));

        // then the docker runtime was asked for the configured image, the server args, the port and the GPU,
        // and its refusal reaches the job
        assertEquals("docker.image", e.field());
        assertEquals("vllm/vllm-openai:v0.9.0", seen[0].settings().get("image"));
        assertEquals(List.of("m", "--host", "0.0.0.0", "--port", "8000"), seen[0].settings().get("args"));
        assertEquals(List.of(Map.of("container", 8000, "host", 18000, "hostIp", "127.0.0.1")),
                seen[0].settings().get("ports"));
        assertEquals(List.of(0), seen[0].gpuIndices());
        assertTrue(runtime.fingerprint().attributes().get("serve").endsWith("container"),
                runtime.fingerprint().toString());
    }
}
