package io.orchion.api.node;

import java.time.Instant;
import java.util.List;

/**
 * A sample of a node's use, carried by its heartbeats.
 *
 * @param cpuLoad          0.0 to 1.0 over all cores since the previous sample
 * @param memoryUsedBytes  memory in use
 * @param memoryTotalBytes total memory
 * @param sampledAt        when the agent took the sample
 * @param gpus             each GPU's use (nvidia-smi where present), possibly empty
 * @param runs             each running job's use, possibly empty
 */
public record Telemetry(double cpuLoad, long memoryUsedBytes, long memoryTotalBytes, Instant sampledAt,
        List<GpuUse> gpus, List<RunUse> runs) {

    public Telemetry {
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
        runs = runs == null ? List.of() : List.copyOf(runs);
    }

    public Telemetry(double cpuLoad, long memoryUsedBytes, long memoryTotalBytes, Instant sampledAt) {
        this(cpuLoad, memoryUsedBytes, memoryTotalBytes, sampledAt, List.of(), List.of());
    }

    /**
     * One GPU's use.
     *
     * @param index            the GPU's index on its node
     * @param utilization      0.0 to 1.0
     * @param memoryUsedBytes  GPU memory in use
     * @param memoryTotalBytes GPU memory in all
     * @param temperatureC     degrees Celsius; 0 when unknown
     */
    public record GpuUse(int index, double utilization, long memoryUsedBytes, long memoryTotalBytes,
            double temperatureC) {
    }

    /**
     * One running job's use.
     *
     * @param jobId       the job
     * @param runId       its run
     * @param cpuCores    cores in use (1.0 = one full core)
     * @param memoryBytes resident memory
     */
    public record RunUse(String jobId, String runId, double cpuCores, long memoryBytes) {
    }
}
