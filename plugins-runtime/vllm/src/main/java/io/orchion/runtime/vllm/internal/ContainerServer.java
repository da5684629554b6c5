package io.orchion.runtime.vllm.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.orchion.api.runtime.ExecutionRuntime;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;
import io.orchion.api.runtime.RunUsage;
import io.orchion.runtime.support.RecentLines;
import io.orchion.runtime.support.ServerRun;

/**
 * The container launcher: the vllm/vllm-openai image run by the {@code docker} runtime, with the
 * same server arguments as {@code vllm serve} (the image's entrypoint is {@code vllm serve}). The
 * server listens on {@value ServeSpec#CONTAINER_PORT} inside and is published on the spec's host
 * and port; the docker runtime exposes the reserved GPUs to it.
 */
final class ContainerServer implements ServerRun.Backend {
    private static final int TAIL_LINES = 15;

    private final RecentLines last = new RecentLines(TAIL_LINES);
    private volatile RunHandle container;

    /** The docker runtime's settings (its {@code $defs/docker} section) for this server. */
    static Map<String, Object> dockerSettings(ServeSpec spec, int hostPort, String runId) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("image", spec.image());
        s.put("args", new ArrayList<>(spec.serverArgs("0.0.0.0", ServeSpec.CONTAINER_PORT)));
        if (!spec.env().isEmpty()) {
            s.put("env", new LinkedHashMap<>(spec.env()));
        }
        Map<String, Object> port = new LinkedHashMap<>();
        port.put("container", ServeSpec.CONTAINER_PORT);
        port.put("host", hostPort);
        port.put("hostIp", spec.host());
        s.put("ports", List.of(port));
        s.put("labels", Map.of("io.orchion.vllm.run", runId));
        return s;
    }

    static ContainerServer start(ExecutionRuntime docker, ServeSpec spec, int hostPort, RunRequest request,
            LogSink logs) {
        ContainerServer server = new ContainerServer();
        server.container = docker.start(inner(spec, hostPort, request), server.last.recording(logs));
        return server;
    }

    /** A server container the docker runtime finds again after an agent restart. */
    static java.util.Optional<ContainerServer> recover(ExecutionRuntime docker, ServeSpec spec, int hostPort,
            RunRequest request, LogSink logs) {
        ContainerServer server = new ContainerServer();
        return docker.recover(inner(spec, hostPort, request), server.last.recording(logs)).map(h -> {
            server.container = h;
            return server;
        });
    }

    /** The docker run: the server's own timeout is watched here, not by the container. */
    private static RunRequest inner(ServeSpec spec, int hostPort, RunRequest request) {
        return new RunRequest(request.runId(), request.jobName(), dockerSettings(spec, hostPort, request.runId()),
                request.resources(), request.gpuIndices(), null, request.stateDir());
    }

    @Override
    public CompletableFuture<ExitStatus> exit() {
        return container.exit();
    }

    @Override
    public void stop(Duration grace) {
        container.stop(grace);
    }

    @Override
    public RunUsage usage() {
        return container.usage();
    }

    @Override
    public String lastOutput() {
        return last.text();
    }
}
