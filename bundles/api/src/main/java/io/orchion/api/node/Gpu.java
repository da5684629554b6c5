package io.orchion.api.node;

/** One GPU of a node. {@code uuid} is empty where the probe could not tell. */
public record Gpu(int index, String vendor, String model, long memoryBytes, String uuid) {
}
