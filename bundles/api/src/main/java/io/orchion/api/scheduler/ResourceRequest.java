package io.orchion.api.scheduler;

/**
 * What a job asks for.
 *
 * @param cpu            CPU cores, fractions allowed (0.5 = half a core)
 * @param memoryBytes    memory
 * @param gpus           number of GPUs
 * @param gpuMemoryBytes memory needed on each of those GPUs; GPUs are shared by memory, so a job
 *                       asking for 6 GiB can sit on a 24 GiB GPU beside others
 */
public record ResourceRequest(double cpu, long memoryBytes, int gpus, long gpuMemoryBytes) {

    public ResourceRequest {
        if (cpu < 0 || memoryBytes < 0 || gpus < 0 || gpuMemoryBytes < 0) {
            throw new IllegalArgumentException("resources cannot be negative");
        }
    }

    public boolean wantsGpu() {
        return gpus > 0;
    }
}
