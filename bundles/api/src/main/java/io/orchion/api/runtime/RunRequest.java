package io.orchion.api.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.orchion.api.scheduler.ResourceRequest;

/**
 * One run of a job on this node.
 *
 * @param runId     unique per run (a job retried gets a new run id)
 * @param jobName   the spec's name, for labels and logs
 * @param settings  the runtime's own section of the spec
 * @param resources what was reserved for it
 * @param gpuIndices the node's GPUs reserved for it (a runtime exposes only these to the run)
 * @param timeout   the longest it may run; null for no limit
 * @param stateDir  a folder the runtime may use to find the run again after an agent restart
 * @param allowed   what this node allows runs beyond the default sandbox, as the orchestrator sent it;
 *                  a runtime refuses a run that asks for more (defense in depth: the scheduler
 *                  placed it only where it is allowed)
 * @param outputSpoolBytes the most of the run's output not yet shipped that a runtime keeping it in
 *                  files may hold on the node's disk; past it the oldest unshipped lines are dropped
 *                  and counted. 0 for {@link #DEFAULT_OUTPUT_SPOOL_BYTES}
 */
public record RunRequest(String runId, String jobName, Map<String, Object> settings, ResourceRequest resources,
        List<Integer> gpuIndices, Duration timeout, Path stateDir, Set<Allowance> allowed, long outputSpoolBytes) {

    /** The output spool's bound when the agent's configuration does not set one: 64 MiB. */
    public static final long DEFAULT_OUTPUT_SPOOL_BYTES = 64L << 20;

    public RunRequest {
        gpuIndices = gpuIndices == null ? List.of() : List.copyOf(gpuIndices);
        allowed = allowed == null ? Set.of() : Set.copyOf(allowed);
        outputSpoolBytes = outputSpoolBytes > 0 ? outputSpoolBytes : DEFAULT_OUTPUT_SPOOL_BYTES;
    }

    /** A run with the default output spool bound. */
    public RunRequest(String runId, String jobName, Map<String, Object> settings, ResourceRequest resources,
            List<Integer> gpuIndices, Duration timeout, Path stateDir, Set<Allowance> allowed) {
        this(runId, jobName, settings, resources, gpuIndices, timeout, stateDir, allowed, 0);
    }

    /** A run allowed nothing beyond the default sandbox. */
    public RunRequest(String runId, String jobName, Map<String, Object> settings, ResourceRequest resources,
            List<Integer> gpuIndices, Duration timeout, Path stateDir) {
        this(runId, jobName, settings, resources, gpuIndices, timeout, stateDir, Set.of());
    }
}
