package io.orchion.api.job;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.orchion.api.runtime.Allowance;

import io.orchion.api.scheduler.ResourceRequest;

/**
 * What a user asks to run, as parsed and checked against {@code job-spec.schema.json}.
 *
 * @param name            a DNS-label-like name
 * @param runtime         the runtime that runs it: process, docker, ollama, vllm, or a plugin's name
 * @param runtimeSettings the runtime's own section (e.g. the {@code process:} block), as parsed
 * @param resources       CPU, memory, GPUs and GPU memory per GPU
 * @param constraints     conditions on node labels
 * @param priority        0 to 1000, higher first
 * @param restart         retries on failure or loss
 * @param timeout         the longest a run may take; null for no limit
 * @param labels          the user's labels
 * @param needs           what the job asks for beyond its runtime's default sandbox (a privileged
 *                        container, host mounts); only nodes that allow all of it can take the job
 */
public record JobSpec(String name, String runtime, Map<String, Object> runtimeSettings, ResourceRequest resources,
        List<Constraint> constraints, int priority, RestartPolicy restart, Duration timeout, Map<String, String> labels,
        Set<Allowance> needs) {

    public JobSpec {
        needs = needs == null ? Set.of() : Set.copyOf(needs);
    }

    /** A job that needs nothing beyond the default sandbox. */
    public JobSpec(String name, String runtime, Map<String, Object> runtimeSettings, ResourceRequest resources,
            List<Constraint> constraints, int priority, RestartPolicy restart, Duration timeout,
            Map<String, String> labels) {
        this(name, runtime, runtimeSettings, resources, constraints, priority, restart, timeout, labels, Set.of());
    }
}
