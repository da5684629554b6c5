package io.orchion.scheduler.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.orchion.api.job.Job;
import io.orchion.api.node.Gpu;
import io.orchion.api.node.Node;
import io.orchion.api.scheduler.GpuSlot;
import io.orchion.api.scheduler.NodeSlot;

/** Builds the read-only view a placement round works on: nodes minus what placed jobs hold. */
final class Snapshot {
    private Snapshot() {
    }

    static List<Candidate> of(List<Node> nodes, List<Job> holding) {
        Map<String, double[]> used = new HashMap<>(); // node -> {cpu, memory}
        Map<String, Map<Integer, Long>> gpuUsed = new HashMap<>();
        for (Job j : holding) {
            double[] u = used.computeIfAbsent(j.nodeId(), k -> new double[2]);
            u[0] += j.spec().resources().cpu();
            u[1] += j.spec().resources().memoryBytes();
            for (int g : j.gpuIndices()) {
                gpuUsed.computeIfAbsent(j.nodeId(), k -> new HashMap<>()).merge(g, j.spec().resources().gpuMemoryBytes(),
                        Long::sum);
            }
        }
        List<Candidate> out = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            var c = n.capabilities();
            double[] u = used.getOrDefault(n.id(), new double[2]);
            Map<Integer, Long> g = gpuUsed.getOrDefault(n.id(), Map.of());
            List<GpuSlot> gpus = new ArrayList<>();
            for (Gpu gpu : c.gpus()) {
                gpus.add(new GpuSlot(gpu.index(), gpu.memoryBytes(), gpu.memoryBytes() - g.getOrDefault(gpu.index(), 0L)));
            }
            Map<String, String> labels = new HashMap<>(c.labels());
            labels.putIfAbsent("arch", c.arch());
            labels.putIfAbsent("os", os(c.os()));
            NodeSlot slot = new NodeSlot(n.id(), n.name(), labels, c.cpuCores(), c.cpuCores() - u[0], c.memoryBytes(),
                    c.memoryBytes() - (long) u[1], gpus);
            out.add(new Candidate(n.status(), new HashSet<>(c.runtimes()), n.allowed(), slot));
        }
        return out;
    }

    /** "GNU/Linux Debian 12" -> linux: the value constraints on {@code os} compare with. */
    static String os(String description) {
        String d = description == null ? "" : description.toLowerCase(Locale.ROOT);
        if (d.contains("linux")) {
            return "linux";
        }
        if (d.contains("mac") || d.contains("darwin")) {
            return "darwin";
        }
        if (d.contains("windows")) {
            return "windows";
        }
        return d.isEmpty() ? "unknown" : d.split("\\s+")[0];
    }
}
