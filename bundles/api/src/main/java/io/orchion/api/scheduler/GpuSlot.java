package io.orchion.api.scheduler;

/** One GPU of a node in a scheduling snapshot: its memory and how much of it is not reserved. */
public record GpuSlot(int index, long memoryBytes, long freeMemoryBytes) {

    GpuSlot reserve(long bytes) {
        return new GpuSlot(index, memoryBytes, freeMemoryBytes - bytes);
    }
}
