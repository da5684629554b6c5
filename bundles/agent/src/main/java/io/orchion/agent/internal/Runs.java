package io.orchion.agent.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExecutionRuntime;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.proto.convert.Structs;
import io.orchion.proto.v1.AgentMessage;
import io.orchion.proto.v1.AssignRun;
import io.orchion.proto.v1.RunUpdate;
import io.orchion.proto.v1.StopRun;

/**
 * The runs this agent supervises: starts assigned runs through the named runtime, reports RUNNING
 * and the exit, and stops a run when asked.
 */
final class Runs {
    private static final Logger LOG = LoggerFactory.getLogger(Runs.class);

    private final Map<String, ExecutionRuntime> runtimes = new ConcurrentSkipListMap<>();
    private final Map<String, RunHandle> active = new ConcurrentHashMap<>();
    private final Path stateDir;
    private final Consumer<AgentMessage> send;

    Runs(Path stateDir, Consumer<AgentMessage> send) {
        this.stateDir = stateDir;
        this.send = send;
    }

    void runtime(String name, ExecutionRuntime runtime) {
        if (runtime == null) {
            runtimes.remove(name);
        } else {
            runtimes.put(name, runtime);
        }
    }

    /** Runtimes whose fingerprint is healthy now: what this node advertises. */
    List<String> healthyRuntimes() {
        return runtimes.entrySet().stream().filter(e -> {
            try {
                return e.getValue().fingerprint().healthy();
            } catch (RuntimeException ex) {
                return false;
            }
        }).map(Map.Entry::getKey).toList();
    }

    List<String> activeJobIds() {
        return List.copyOf(active.keySet());
    }

    void assign(AssignRun a) {
        ExecutionRuntime runtime = runtimes.get(a.getRuntime());
        if (runtime == null) {
            update(a.getJobId(), a.getRunId(), "FAILED_TO_START", 0, "no " + a.getRuntime() + " runtime on this node");
            return;
        }
        RunRequest request = new RunRequest(a.getRunId(), a.getJobName(), Structs.toMap(a.getSettings()),
                new ResourceRequest(a.getCpu(), a.getMemoryBytes(), a.getGpuIndicesCount(), 0), a.getGpuIndicesList(),
                a.getTimeoutMs() > 0 ? Duration.ofMillis(a.getTimeoutMs()) : null, stateDir.resolve(a.getRunId()));
        RunHandle h;
        try {
            h = runtime.start(request, (stream, line) -> LOG.debug("[{} {}] {}", a.getJobId(), stream, line));
        } catch (InvalidArgumentException e) {
            update(a.getJobId(), a.getRunId(), "FAILED_TO_START", 0, e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.warn("agent: run {} could not start: {}", a.getRunId(), e.toString());
            update(a.getJobId(), a.getRunId(), "FAILED_TO_START", 0, e.toString());
            return;
        }
        active.put(a.getRunId(), h);
        LOG.info("agent: job {} running ({} runtime, run {})", a.getJobId(), a.getRuntime(), a.getRunId());
        update(a.getJobId(), a.getRunId(), "RUNNING", 0, "");
        h.exit().thenAccept(status -> {
            active.remove(a.getRunId());
            LOG.info("agent: job {} ended: {} (exit code {})", a.getJobId(), status.reason(), status.code());
            update(a.getJobId(), a.getRunId(), "EXITED", status.code(), status.reason());
        });
    }

    void stop(StopRun s) {
        RunHandle h = active.get(s.getRunId());
        if (h == null) {
            update(s.getJobId(), s.getRunId(), "EXITED", -1, "stopped");
        } else {
            h.stop(Duration.ofMillis(Math.max(0, s.getGraceMs())));
        }
    }

    /** Stops every run (the agent is shutting down). */
    void stopAll() {
        active.values().forEach(h -> h.stop(Duration.ofSeconds(5)));
    }

    private void update(String jobId, String runId, String phase, int code, String message) {
        send.accept(AgentMessage.newBuilder().setRunUpdate(RunUpdate.newBuilder().setJobId(jobId).setRunId(runId)
                .setState(phase).setExitCode(code).setMessage(message == null ? "" : message)).build());
    }
}
