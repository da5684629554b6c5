package io.orchion.api.node;

import java.util.List;
import java.util.Map;

import io.orchion.api.runtime.Fingerprint;

/**
 * What a node offers, as its agent probed it at start.
 *
 * @param cpuModel    CPU model name
 * @param cpuCores    logical processors
 * @param arch        normalised architecture: amd64, arm64, arm, 386, or the JVM's name
 * @param memoryBytes total memory
 * @param os          operating system, e.g. "Debian GNU/Linux 12 (bookworm)"
 * @param gpus        GPUs, possibly empty
 * @param labels      operator labels from the agent's configuration
 * @param runtimes    execution runtimes whose fingerprint is healthy on the node
 * @param runtimeInfo every runtime's fingerprint by name, healthy or not (engine version, models
 *                    present, what is wrong)
 */
public record Capabilities(String cpuModel, int cpuCores, String arch, long memoryBytes, String os,
        List<Gpu> gpus, Map<String, String> labels, List<String> runtimes, Map<String, Fingerprint> runtimeInfo) {

    public Capabilities {
        gpus = List.copyOf(gpus);
        labels = Map.copyOf(labels);
        runtimes = runtimes == null ? List.of() : List.copyOf(runtimes);
        runtimeInfo = runtimeInfo == null ? Map.of() : Map.copyOf(runtimeInfo);
    }

    public Capabilities(String cpuModel, int cpuCores, String arch, long memoryBytes, String os, List<Gpu> gpus,
            Map<String, String> labels, List<String> runtimes) {
        this(cpuModel, cpuCores, arch, memoryBytes, os, gpus, labels, runtimes, Map.of());
    }

    /** Nothing known yet (a node registered by a script with no capabilities). */
    public static Capabilities unknown() {
        return new Capabilities("", 0, "", 0, "", List.of(), Map.of(), List.of());
    }
}
