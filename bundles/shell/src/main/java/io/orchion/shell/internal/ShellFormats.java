package io.orchion.shell.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import io.orchion.api.agent.AgentState;
import io.orchion.api.node.Gpu;
import io.orchion.api.node.LivenessSettings;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobEvent;
import io.orchion.api.node.Node;
import io.orchion.api.scheduler.StrategyStatus;

/**
 * Gogo converter: prints Orchion's results as tables and detail views, and turns a bundle id or
 * symbolic name into a bundle, so Gogo's own {@code stop 42} and {@code headers 42} work.
 */
@Component(property = Converter.CONVERTER_CLASSES + "=org.osgi.framework.Bundle")
public class ShellFormats implements Converter {
    private final BundleContext context;

    @Activate
    public ShellFormats(BundleContext context) {
        this.context = context;
    }

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        if (desiredType != Bundle.class || in == null) {
            return null;
        }
        String ref = in.toString().trim();
        if (ref.matches("[0-9]{1,9}")) {
            return context.getBundle(Long.parseLong(ref));
        }
        for (Bundle b : context.getBundles()) {
            if (ref.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        if (target instanceof Views.NodeList l) {
            if (l.nodes().isEmpty()) {
                return "No nodes have joined yet.";
            }
            Table t = new Table("NAME", "ID", "STATUS", "ARCH", "CPU", "MEMORY", "GPUS", "LAST SEEN", "LABELS");
            for (Node n : l.nodes()) {
                t.row(n.name(), n.id(), n.status(), n.capabilities().arch(), n.capabilities().cpuCores(),
                        bytes(n.capabilities().memoryBytes()), n.capabilities().gpus().size(), age(n.lastSeen()),
                        n.capabilities().labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                                .sorted().collect(Collectors.joining(",")));
            }
            return t.toString();
        }
        if (target instanceof Views.NodeDetail d) {
            return detail(d.node());
        }
        if (target instanceof Views.PluginList l) {
            if (l.plugins().isEmpty()) {
                return "No plugins. Drop a plugin jar into the bundles/ folder to add one.";
            }
            Table t = new Table("ID", "PLUGIN", "VERSION", "KIND", "STATE", "SOURCE");
            for (Views.Plugin p : l.plugins()) {
                t.row(p.bundleId(), p.symbolicName(), p.version(), p.kind(), p.state(), p.source());
            }
            return t.toString();
        }
        if (target instanceof Views.JobList l) {
            if (l.page().jobs().isEmpty()) {
                return l.filtered() ? "No jobs match." : "No jobs yet. Submit one with orchion:submit FILE.";
            }
            Table t = new Table("ID", "STATE", "NODE", "RUNS", "EXIT", "SUBMITTED", "MESSAGE");
            for (Job j : l.page().jobs()) {
                t.row(j.id(), j.state(), j.nodeId().isEmpty() ? "-" : l.nodeNames().getOrDefault(j.nodeId(), j.nodeId()),
                        j.attempt(), j.exitCode() == null ? "-" : j.exitCode(), age(j.submitted()), j.message());
            }
            String next = l.page().nextPageToken();
            return next.isEmpty() ? t.toString() : t + "\n" + l.page().jobs().size() + " of " + l.page().total()
                    + " matching jobs shown; the next page: --page-token " + next;
        }
        if (target instanceof Views.JobDetail d) {
            Job j = d.job();
            var r = j.spec().resources();
            StringBuilder sb = new StringBuilder();
            sb.append("Job:        ").append(j.id()).append('\n');
            sb.append("State:      ").append(j.state()).append(j.message().isEmpty() ? "" : " (" + j.message() + ")").append('\n');
            sb.append("Runtime:    ").append(j.spec().runtime()).append('\n');
            sb.append("Resources:  ").append(r.cpu()).append(" CPU, ").append(bytes(r.memoryBytes())).append(" memory")
                    .append(r.gpus() > 0 ? ", " + r.gpus() + " GPU x " + bytes(r.gpuMemoryBytes()) : "").append('\n');
            sb.append("Node:       ").append(j.nodeId().isEmpty() ? "-" : d.nodeName().isEmpty() ? j.nodeId() : d.nodeName())
                    .append(j.gpuIndices().isEmpty() ? "" : " GPUs " + j.gpuIndices()).append('\n');
            sb.append("Runs:       ").append(j.attempt()).append(" of at most ").append(1 + j.spec().restart().attempts())
                    .append(j.exitCode() == null ? "" : ", last exit code " + j.exitCode()).append('\n');
            sb.append("History:");
            for (JobEvent e : j.events()) {
                sb.append("\n  ").append(e.at()).append("  ").append(String.format("%-10s", e.state())).append(' ')
                        .append(e.message());
            }
            return sb.toString();
        }
        if (target instanceof Views.ModelList l) {
            if (l.models().isEmpty()) {
                return "No model files in this node's cache. Fetch one with orchion:models fetch SOURCE [SHA256].";
            }
            Table t = new Table("SOURCE", "SIZE", "SHA-256", "FETCHED", "FILE");
            for (var m : l.models()) {
                t.row(m.source(), bytes(m.bytes()), m.sha256().substring(0, 12), age(m.fetched()), m.file());
            }
            return t.toString();
        }
        if (target instanceof Views.Message m) {
            return m.text();
        }
        if (target instanceof LivenessSettings s) {
            return "heartbeat.interval.ms  " + s.heartbeatInterval().toMillis() + "\ndown.after.ms          "
                    + s.downAfter().toMillis() + "\nforget.after.ms        " + s.forgetAfter().toMillis();
        }
        if (target instanceof StrategyStatus s) {
            return "Active strategy:     " + (s.active().isEmpty() ? "(none)" : s.active()) + " since " + s.since()
                    + "\nConfigured strategy: " + s.configured() + "\nAvailable:           "
                    + (s.available().isEmpty() ? "none" : String.join(", ", s.available()))
                    + (s.reason().isEmpty() ? "" : "\nNote:                " + s.reason());
        }
        if (target instanceof AgentState a) {
            return "Node:          " + a.name() + " (" + a.nodeId() + ")\nOrchestrator:  " + a.orchestrator()
                    + "\nConnection:    " + a.connection() + " since " + a.since() + " (" + age(a.since()) + ")"
                    + (a.lastError().isEmpty() ? "" : "\nLast error:    " + a.lastError() + " (attempt " + a.attempts() + ")")
                    + "\nCPU:           " + a.capabilities().cpuModel() + ", " + a.capabilities().cpuCores() + " cores, "
                    + a.capabilities().arch() + "\nMemory:        " + bytes(a.capabilities().memoryBytes())
                    + "\nGPUs:          " + gpus(a.capabilities().gpus());
        }
        return null;
    }

    static String detail(Node n) {
        var c = n.capabilities();
        StringBuilder sb = new StringBuilder();
        sb.append("Name:          ").append(n.name()).append('\n');
        sb.append("ID:            ").append(n.id()).append('\n');
        sb.append("Status:        ").append(n.status()).append(n.drained() ? " (drained)" : "").append('\n');
        sb.append("Hostname:      ").append(n.hostname()).append('\n');
        sb.append("Address:       ").append(n.agentAddress()).append('\n');
        sb.append("Agent version: ").append(n.agentVersion()).append('\n');
        sb.append("Registered:    ").append(n.registeredAt()).append('\n');
        sb.append("Last seen:     ").append(n.lastSeen()).append(" (").append(age(n.lastSeen())).append(")\n");
        sb.append("CPU:           ").append(c.cpuModel()).append(", ").append(c.cpuCores()).append(" cores, ")
                .append(c.arch()).append('\n');
        sb.append("Memory:        ").append(bytes(c.memoryBytes())).append('\n');
        sb.append("OS:            ").append(c.os()).append('\n');
        sb.append("GPUs:          ").append(gpus(c.gpus())).append('\n');
        sb.append("Labels:        ").append(c.labels().isEmpty() ? "none" : c.labels()).append('\n');
        sb.append("Allowed:       ").append(n.allowed().isEmpty() ? "nothing beyond the default sandbox"
                : n.allowed().stream().sorted().map(io.orchion.api.runtime.Allowance::key)
                        .collect(Collectors.joining(", "))).append('\n');
        if (n.telemetry() != null) {
            sb.append("CPU load:      ").append(String.format(Locale.ROOT, "%.0f%%", n.telemetry().cpuLoad() * 100))
                    .append('\n');
            sb.append("Memory used:   ").append(bytes(n.telemetry().memoryUsedBytes())).append(" of ")
                    .append(bytes(n.telemetry().memoryTotalBytes()));
        } else {
            sb.append("Telemetry:     none yet");
        }
        return sb.toString();
    }

    static String gpus(java.util.List<Gpu> gpus) {
        if (gpus.isEmpty()) {
            return "none";
        }
        return gpus.stream().map(g -> "#" + g.index() + " " + g.model() + " (" + bytes(g.memoryBytes()) + ")")
                .collect(Collectors.joining(", "));
    }

    static String bytes(long b) {
        if (b <= 0) {
            return "-";
        }
        double gib = b / (double) (1L << 30);
        return gib >= 1 ? String.format(Locale.ROOT, "%.1f GiB", gib)
                : String.format(Locale.ROOT, "%.0f MiB", b / (double) (1L << 20));
    }

    static String age(Instant t) {
        if (t == null) {
            return "never";
        }
        Duration d = Duration.between(t, Instant.now());
        if (d.isNegative() || d.toMillis() < 1000) {
            return "just now";
        }
        if (d.toSeconds() < 120) {
            return d.toSeconds() + "s ago";
        }
        if (d.toMinutes() < 120) {
            return d.toMinutes() + "m ago";
        }
        if (d.toHours() < 48) {
            return d.toHours() + "h ago";
        }
        return d.toDays() + "d ago";
    }
}
