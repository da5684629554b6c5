package io.orchion.api.node;

import java.time.Instant;

/**
 * A sample of a node's use, carried by its heartbeats.
 *
 * @param cpuLoad          0.0 to 1.0 over all cores since the previous sample
 * @param memoryUsedBytes  memory in use
 * @param memoryTotalBytes total memory
 * @param sampledAt        when the agent took the sample
 */
public record Telemetry(double cpuLoad, long memoryUsedBytes, long memoryTotalBytes, Instant sampledAt) {
}
