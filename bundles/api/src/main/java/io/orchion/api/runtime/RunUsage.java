package io.orchion.api.runtime;

/**
 * What a run uses now, as its runtime measures it (container stats, the process tree's CPU time).
 *
 * @param cpuCores    cores in use, averaged since the previous sample (1.0 = one full core)
 * @param memoryBytes resident memory
 */
public record RunUsage(double cpuCores, long memoryBytes) {
}
