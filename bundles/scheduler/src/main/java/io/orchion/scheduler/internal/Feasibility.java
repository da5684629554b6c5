package io.orchion.scheduler.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.orchion.api.job.Constraint;
import io.orchion.api.job.JobSpec;
import io.orchion.api.node.NodeStatus;
import io.orchion.api.runtime.Allowance;
import io.orchion.api.scheduler.ResourceRequest;

/**
 * The filters every strategy shares, in order: node READY, label constraints, runtime present,
 * what the job needs beyond the sandbox allowed there, free CPU, free memory, GPUs with enough
 * free memory. Each says why it removes a node, so a job
 * that cannot be placed can say why ("3 nodes: 2 lacked 8.0 GiB free memory, 1 has no docker
 * runtime").
 */
final class Feasibility {
    private Feasibility() {
    }

    /** Why a node was removed; formatted only when a job stays pending (this runs for every node). */
    enum Why {
        NOT_READY, CONSTRAINT, RUNTIME, NOT_ALLOWED, CPU, MEMORY, GPU
    }

    /** A reason with what it needs to be written out: the status, or which constraint. */
    record Reason(Why why, int detail) {
        String describe(JobSpec job) {
            ResourceRequest r = job.resources();
            return switch (why) {
                case NOT_READY -> "were " + NodeStatus.values()[detail];
                case CONSTRAINT -> {
                    Constraint k = job.constraints().get(detail);
                    if (k.in() != null) {
                        yield "did not match " + k.label() + " in " + k.in();
                    }
                    if (k.notIn() != null) {
                        yield "did not match " + k.label() + " not in " + k.notIn();
                    }
                    yield Boolean.TRUE.equals(k.exists()) ? "lacked the label " + k.label() : "had the label " + k.label();
                }
                case RUNTIME -> "had no " + job.runtime() + " runtime";
                case NOT_ALLOWED -> "did not allow " + Allowance.values()[detail].key();
                case CPU -> "lacked " + cores(r.cpu()) + " free CPU";
                case MEMORY -> "lacked " + bytes(r.memoryBytes()) + " free memory";
                case GPU -> "lacked " + r.gpus() + " GPU(s) with " + bytes(r.gpuMemoryBytes()) + " free";
            };
        }
    }

    private static final Reason[] NOT_READY = new Reason[NodeStatus.values().length];
    private static final Reason RUNTIME = new Reason(Why.RUNTIME, 0);
    private static final Reason[] NOT_ALLOWED = new Reason[Allowance.values().length];
    private static final Reason CPU = new Reason(Why.CPU, 0);
    private static final Reason MEMORY = new Reason(Why.MEMORY, 0);
    private static final Reason GPU = new Reason(Why.GPU, 0);

    static {
        for (NodeStatus s : NodeStatus.values()) {
            NOT_READY[s.ordinal()] = new Reason(Why.NOT_READY, s.ordinal());
        }
        for (Allowance a : Allowance.values()) {
            NOT_ALLOWED[a.ordinal()] = new Reason(Why.NOT_ALLOWED, a.ordinal());
        }
    }

    /** Why the node cannot take the job, or null if it can. Allocates nothing on the common paths. */
    static Reason reject(JobSpec job, Candidate c) {
        if (c.status() != NodeStatus.READY) {
            return NOT_READY[c.status().ordinal()];
        }
        List<Constraint> constraints = job.constraints();
        for (int i = 0; i < constraints.size(); i++) {
            Constraint k = constraints.get(i);
            String value = c.slot().labels().get(k.label());
            boolean ok = (k.in() == null || value != null && k.in().contains(value))
                    && (k.notIn() == null || value == null || !k.notIn().contains(value))
                    && (k.exists() == null || k.exists() == (value != null));
            if (!ok) {
                return new Reason(Why.CONSTRAINT, i);
            }
        }
        if (!c.runtimes().contains(job.runtime())) {
            return RUNTIME;
        }
        if (!job.needs().isEmpty()) {
            for (Allowance a : Allowance.values()) { // in a fixed order, so the same node always reads the same
                if (job.needs().contains(a) && !c.allowed().contains(a)) {
                    return NOT_ALLOWED[a.ordinal()];
                }
            }
        }
        ResourceRequest r = job.resources();
        if (c.slot().cpuFree() + 1e-9 < r.cpu()) {
            return CPU;
        }
        if (c.slot().memoryFree() < r.memoryBytes()) {
            return MEMORY;
        }
        if (r.wantsGpu() && !c.slot().fits(r)) {
            return GPU;
        }
        return null;
    }

    /** The nodes that can take the job, and how many each reason removed. */
    record Result(JobSpec job, List<Candidate> feasible, Map<Reason, Integer> rejected) {
        String explain(int total) {
            if (total == 0) {
                return "no nodes have joined";
            }
            StringBuilder sb = new StringBuilder(total + (total == 1 ? " node: " : " nodes: "));
            boolean first = true;
            // most common reason first, then alphabetical, so the same cluster always reads the same
            Map<String, Integer> described = new LinkedHashMap<>();
            rejected.forEach((reason, n) -> described.merge(reason.describe(job), n, Integer::sum));
            List<Map.Entry<String, Integer>> reasons = new ArrayList<>(described.entrySet());
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
        Map<Reason, Integer> rejected = new HashMap<>();
        for (Candidate c : nodes) {
            Reason why = reject(job, c);
            if (why == null) {
                feasible.add(c);
            } else {
                rejected.merge(why, 1, Integer::sum);
            }
        }
        return new Result(job, feasible, rejected);
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
