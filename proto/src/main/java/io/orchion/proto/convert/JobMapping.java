package io.orchion.proto.convert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.orchion.api.job.Constraint;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobEvent;
import io.orchion.api.job.JobSpec;

/** Jobs to {@code orchion.v1.Job}, the one shape gRPC and REST share. */
public final class JobMapping {
    private JobMapping() {
    }

    /** What a redacted env value reads as. */
    public static final String REDACTED = "(redacted)";

    /**
     * The job; without {@code revealEnv} every value of the runtime settings' {@code env} is
     * {@link #REDACTED} (the keys stay): what a viewer, or a broadcast to every client, is shown.
     * There is no overload that decides for the caller: each place that shows a job says whether
     * its reader may see env values (operators and admins may).
     */
    public static io.orchion.proto.v1.Job toProto(Job j, boolean revealEnv) {
        var b = io.orchion.proto.v1.Job.newBuilder().setId(j.id()).setName(j.spec().name()).setRuntime(j.spec().runtime())
                .setState(j.state().name()).setNodeId(j.nodeId()).addAllGpuIndices(j.gpuIndices()).setRunId(j.runId())
                .setAttempt(j.attempt()).setMessage(j.message()).setSubmittedUnixMs(j.submitted().toEpochMilli())
                .setSpec(Structs.toStruct(spec(j.spec(), revealEnv)));
        if (!j.result().isEmpty()) {
            b.setResult(Structs.toStruct(j.result()));
        }
        b.setEndpoint(j.endpoint());
        if (j.progress() != null) {
            b.setProgress(progress(j.progress()));
        }
        if (j.exitCode() != null) {
            b.setHasExitCode(true).setExitCode(j.exitCode());
        }
        for (JobEvent e : j.events()) {
            b.addEvents(io.orchion.proto.v1.JobEvent.newBuilder().setAtUnixMs(e.at().toEpochMilli())
                    .setState(e.state().name()).setMessage(e.message()));
        }
        return b.build();
    }

    public static io.orchion.proto.v1.Progress progress(Job.Progress p) {
        return io.orchion.proto.v1.Progress.newBuilder().setActivity(p.activity()).setDone(p.done()).setTotal(p.total())
                .setAtUnixMs(p.at() == null ? 0 : p.at().toEpochMilli()).build();
    }

    public static Job.Progress progress(io.orchion.proto.v1.Progress p) {
        return new Job.Progress(p.getActivity(), p.getDone(), p.getTotal(),
                p.getAtUnixMs() == 0 ? null : java.time.Instant.ofEpochMilli(p.getAtUnixMs()));
    }

    /** The spec as accepted, in the schema's field names: bytes for quantities, ms for durations. */
    static Map<String, Object> spec(JobSpec s, boolean revealEnv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("runtime", s.runtime());
        m.put(s.runtime(), revealEnv ? s.runtimeSettings() : withoutEnvValues(s.runtimeSettings()));
        var r = s.resources();
        m.put("resources", Map.of("cpu", r.cpu(), "memory", r.memoryBytes(), "gpus", r.gpus(), "gpuMemory",
                r.gpuMemoryBytes()));
        List<Object> constraints = new ArrayList<>();
        for (Constraint c : s.constraints()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("label", c.label());
            if (c.in() != null) {
                cm.put("in", c.in());
            }
            if (c.notIn() != null) {
                cm.put("notIn", c.notIn());
            }
            if (c.exists() != null) {
                cm.put("exists", c.exists());
            }
            constraints.add(cm);
        }
        m.put("constraints", constraints);
        m.put("priority", s.priority());
        m.put("restart", Map.of("attempts", s.restart().attempts(), "backoffMs", s.restart().backoff().toMillis()));
        if (s.timeout() != null) {
            m.put("timeoutMs", s.timeout().toMillis());
        }
        m.put("labels", s.labels());
        return m;
    }

    /** The runtime settings with each env value replaced; an env that is not a map is replaced whole. */
    static Map<String, Object> withoutEnvValues(Map<String, Object> settings) {
        Object env = settings.get("env");
        if (env == null) {
            return settings;
        }
        Map<String, Object> copy = new LinkedHashMap<>(settings);
        if (env instanceof Map<?, ?> vars) {
            Map<String, Object> hidden = new LinkedHashMap<>();
            vars.keySet().forEach(k -> hidden.put(String.valueOf(k), REDACTED));
            copy.put("env", hidden);
        } else {
            copy.put("env", REDACTED);
        }
        return copy;
    }
}
