package io.orchion.proto.convert;

import java.time.Instant;
import java.util.Locale;

import io.orchion.api.node.Capabilities;
import io.orchion.api.node.Gpu;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistration;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.node.Telemetry;
import io.orchion.api.runtime.Allowance;
import io.orchion.api.runtime.Fingerprint;

/** Node records to and from {@code orchion.v1} messages. The one place that knows both shapes. */
public final class NodeMapping {
    private NodeMapping() {
    }

    public static io.orchion.proto.v1.Capabilities toProto(Capabilities c) {
        var b = io.orchion.proto.v1.Capabilities.newBuilder().setCpu(c.cpuModel()).setMemory(humanBytes(c.memoryBytes()))
                .setOs(c.os()).setArch(c.arch()).setCpuCores(c.cpuCores()).setTotalMemoryBytes(c.memoryBytes())
                .putAllLabels(c.labels()).addAllRuntimes(c.runtimes());
        c.runtimeInfo().forEach((name, f) -> b.addRuntimeInfo(io.orchion.proto.v1.RuntimeInfo.newBuilder().setName(name)
                .setHealthy(f.healthy()).setDetail(f.detail() == null ? "" : f.detail()).putAllAttributes(f.attributes())));
        for (Gpu g : c.gpus()) {
            b.addGpus(io.orchion.proto.v1.Gpu.newBuilder().setIndex(g.index()).setVendor(g.vendor())
                    .setModel(g.model()).setMemoryBytes(g.memoryBytes()).setUuid(g.uuid()));
        }
        return b.build();
    }

    public static Capabilities fromProto(io.orchion.proto.v1.Capabilities c) {
        return new Capabilities(c.getCpu(), c.getCpuCores(), c.getArch(), c.getTotalMemoryBytes(), c.getOs(),
                c.getGpusList().stream()
                        .map(g -> new Gpu(g.getIndex(), g.getVendor(), g.getModel(), g.getMemoryBytes(), g.getUuid()))
                        .toList(),
                c.getLabelsMap(), c.getRuntimesList(),
                c.getRuntimeInfoList().stream().collect(java.util.stream.Collectors.toMap(
                        io.orchion.proto.v1.RuntimeInfo::getName,
                        r -> new Fingerprint(r.getHealthy(), r.getDetail(), r.getAttributesMap()), (a, b) -> b)));
    }

    public static io.orchion.proto.v1.Telemetry toProto(Telemetry t) {
        var b = io.orchion.proto.v1.Telemetry.newBuilder().setCpuLoad(t.cpuLoad()).setMemoryUsedBytes(t.memoryUsedBytes())
                .setMemoryTotalBytes(t.memoryTotalBytes())
                .setSampledAtUnixMs(t.sampledAt() == null ? 0 : t.sampledAt().toEpochMilli());
        for (Telemetry.GpuUse g : t.gpus()) {
            b.addGpus(io.orchion.proto.v1.GpuUse.newBuilder().setIndex(g.index()).setUtilization(g.utilization())
                    .setMemoryUsedBytes(g.memoryUsedBytes()).setMemoryTotalBytes(g.memoryTotalBytes())
                    .setTemperatureC(g.temperatureC()));
        }
        for (Telemetry.RunUse r : t.runs()) {
            b.addRuns(io.orchion.proto.v1.RunUse.newBuilder().setJobId(r.jobId()).setRunId(r.runId())
                    .setCpuCores(r.cpuCores()).setMemoryBytes(r.memoryBytes()));
        }
        return b.build();
    }

    /** A heartbeat without telemetry carries the default message: that is "no sample", not zero use. */
    public static Telemetry fromProto(io.orchion.proto.v1.Telemetry t) {
        if (t == null || t.equals(io.orchion.proto.v1.Telemetry.getDefaultInstance())) {
            return null;
        }
        return new Telemetry(t.getCpuLoad(), t.getMemoryUsedBytes(), t.getMemoryTotalBytes(),
                t.getSampledAtUnixMs() == 0 ? null : Instant.ofEpochMilli(t.getSampledAtUnixMs()),
                t.getGpusList().stream().map(g -> new Telemetry.GpuUse(g.getIndex(), g.getUtilization(),
                        g.getMemoryUsedBytes(), g.getMemoryTotalBytes(), g.getTemperatureC())).toList(),
                t.getRunsList().stream().map(r -> new Telemetry.RunUse(r.getJobId(), r.getRunId(), r.getCpuCores(),
                        r.getMemoryBytes())).toList());
    }

    public static io.orchion.proto.v1.NodeStatus toProto(NodeStatus s) {
        return switch (s) {
            case READY -> io.orchion.proto.v1.NodeStatus.READY;
            case DRAINING -> io.orchion.proto.v1.NodeStatus.DRAINING;
            case DOWN -> io.orchion.proto.v1.NodeStatus.DOWN;
        };
    }

    public static io.orchion.proto.v1.Node toProto(Node n) {
        var b = io.orchion.proto.v1.Node.newBuilder().setId(n.id()).setHostname(n.hostname()).setName(n.name())
                .setCapabilities(toProto(n.capabilities())).setAgentAddress(n.agentAddress())
                .setAgentVersion(n.agentVersion()).setStatus(toProto(n.status())).addAllAllowed(allowed(n.allowed()));
        if (n.lastSeen() != null) {
            b.setLastSeenUnix(n.lastSeen().getEpochSecond()).setLastSeenUnixMs(n.lastSeen().toEpochMilli());
        }
        if (n.registeredAt() != null) {
            b.setRegisteredUnix(n.registeredAt().getEpochSecond());
        }
        if (n.telemetry() != null) {
            b.setTelemetry(toProto(n.telemetry()));
        }
        return b.build();
    }

    /** Allowances as the wire writes them ("host-mounts", "privileged"), in a stable order. */
    public static java.util.List<String> allowed(java.util.Set<Allowance> allowed) {
        return allowed.stream().sorted().map(Allowance::key).toList();
    }

    /** Allowances from the wire; names this version does not know are dropped (never widened). */
    public static java.util.Set<Allowance> allowed(java.util.List<String> keys) {
        java.util.Set<Allowance> out = java.util.EnumSet.noneOf(Allowance.class);
        for (String k : keys) {
            for (Allowance a : Allowance.values()) {
                if (a.key().equals(k)) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** What a client says about a node when it registers (never what it allows: that is the admin's); the address falls back to the peer's. */
    public static NodeRegistration registration(io.orchion.proto.v1.Node n, String peerAddress) {
        String address = n.getAgentAddress().isBlank() ? peerAddress : n.getAgentAddress();
        return new NodeRegistration(n.getId(), n.getHostname(), n.getName(), address == null ? "" : address,
                n.getAgentVersion(), n.hasCapabilities() ? fromProto(n.getCapabilities()) : Capabilities.unknown());
    }

    /** The instance's health: UP, with its nodes counted by status. */
    public static io.orchion.proto.v1.Health health(java.util.Collection<Node> nodes, String version, String profile,
            long uptimeMs) {
        return health(nodes, version, profile, uptimeMs, null);
    }

    /** The instance's health: the process's state and reasons (UP when unknown), its nodes counted by status. */
    public static io.orchion.proto.v1.Health health(java.util.Collection<Node> nodes, String version, String profile,
            long uptimeMs, io.orchion.api.health.HealthReport process) {
        var b = io.orchion.proto.v1.Health.newBuilder().setStatus(process == null ? "UP" : process.state().name())
                .setVersion(version).setProfile(profile).setUptimeMs(uptimeMs);
        if (process != null) {
            b.addAllReasons(process.reasons());
        }
        for (NodeStatus s : NodeStatus.values()) {
            b.putNodesByStatus(s.name(), (int) nodes.stream().filter(n -> n.status() == s).count());
        }
        return b.build();
    }

    /** 17179869184 -> "16.0 GiB": the seed's human-readable memory field. */
    public static String humanBytes(long bytes) {
        if (bytes <= 0) {
            return "";
        }
        String[] units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
