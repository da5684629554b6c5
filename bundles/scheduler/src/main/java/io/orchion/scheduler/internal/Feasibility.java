package io.orchion.scheduler.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.orchion.api.job.Constraint;
import io.orchion.api.job.JobSpec;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.scheduler.ResourceRequest;

/**
 * The filters every strategy shares, in order: node READY, label constraints, runtime present,
 * free CPU, free memory, GPUs with enough free memory. Each says why it removes a node, so a job
 * that cannot be placed can say why ("3 nodes: 2 lacked 8.0 GiB free memory, 1 has no docker
 * runtime").
 */
final class Feasibility {
    private Feasibility() {
    }

    /** Why the node cannot take the job, or empty if it can. */
    static Optional<String> reject(JobSpec job, Candidate c) {
        if (c.status() != NodeStatus.READY) {
            return Optional.of("were " + c.status());
        }
        for (Constraint k : job.constraints()) {
            String value = c.slot().labels().get(k.label());
            if (k.in() != null && (value == null || !k.in().contains(value))) {
                return Optional.of("did not match " + k.label() + " in " + k.in());
            }
            if (k.notIn() != null && value != null && k.notIn().contains(value)) {
                return Optional.of("did not match " + k.label() + " not in " + k.notIn());
            }
            if (k.exists() != null && k.exists() != (value != null)) {
                return Optional.of(k.exists() ? "lacked the label " + k.label() : "had the label " + k.label());
            }
        }
        if (!c.runtimes().contains(job.runtime())) {
            return Optional.of("had no " + job.runtime() + " runtime");
        }
        ResourceRequest r = job.resources();
        if (c.slot().cpuFree() + 1e-9 < r.cpu()) {
            return Optional.of("lacked " + cores(r.cpu()) + " free CPU");
        }
        if (c.slot().memoryFree() < r.memoryBytes()) {
            return Optional.of("lacked " + bytes(r.memoryBytes()) + " free memory");
        }
        if (r.wantsGpu() && c.slot().gpusFitting(r.gpuMemoryBytes()).size() < r.gpus()) {
            return Optional.of("lacked " + r.gpus() + " GPU(s) with " + bytes(r.gpuMemoryBytes()) + " free");
        }
        return Optional.empty();
    }

    /** The nodes that can take the job, and the reasons the others cannot. */
    record Result(List<Candidate> feasible, Map<String, Integer> rejected) {
        String explain(int total) {
            if (total == 0) {
                return "no nodes have joined";
            }
            StringBuilder sb = new StringBuilder(total + (total == 1 ? " node: " : " nodes: "));
            boolean first = true;
            // most common reason first, then alphabetical, so the same cluster always reads the same
            List<Map.Entry<String, Integer>> reasons = new ArrayList<>(rejected.entrySet());
            reasons.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            for (Map.Entry<String, Integer> e : reasons) {
                String reason = e.getValue() == 1 ? e.getKey().replaceFirst("^were ", "was ") : e.getKey();
                sb.append(first ? "" : ", ").append(e.getValue()).append(' ').append(reason);
                first = false;
            }
            return sb.toString();
        }
    }

    static Result filter(JobSpec job, List<Candidate> nodes) {
        List<Candidate> feasible = new ArrayList<>();
        Map<String, Integer> rejected = new LinkedHashMap<>();
        for (Candidate c : nodes) {
            Optional<String> why = reject(job, c);
            if (why.isEmpty()) {
                feasible.add(c);
            } else {
                rejected.merge(why.get(), 1, Integer::sum);
            }
        }
        return new Result(feasible, rejected);
    }

    static String cores(double cpu) {
        return (cpu == Math.rint(cpu) ? String.valueOf((long) cpu) : String.format(Locale.ROOT, "%.2f", cpu))
                + (cpu == 1 ? " core" : " cores");
    }

    static String bytes(long b) {
        double gib = b / (double) (1L << 30);
        return gib >= 1 ? String.format(Locale.ROOT, "%.1f GiB", gib)
                : String.format(Locale.ROOT, "%d MiB", b >> 20);
    }
}
