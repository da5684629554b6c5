package io.orchion.scheduler.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;

/**
 * A job whose runtime settings name a {@code server} (a running model-server job, by id or name)
 * runs against that server's endpoint: it waits, pending, until the server answers, and is sent
 * with {@code endpoint} filled in. The stored spec keeps what the user wrote.
 */
final class ServerReference {
    static final String SERVER = "server";
    static final String ENDPOINT = "endpoint";

    private ServerReference() {
    }

    /** The pending jobs that may be placed now; the others are told why they wait. */
    static List<PlacementRound.Pending> ready(List<PlacementRound.Pending> pending, List<Job> all,
            BiConsumer<String, String> waiting) {
        List<PlacementRound.Pending> out = new ArrayList<>(pending.size());
        for (PlacementRound.Pending p : pending) {
            String server = server(p.spec());
            if (server == null || endpointOf(server, all).isPresent()) {
                out.add(p);
            } else {
                waiting.accept(p.jobId(), "waiting for server '" + server + "' to be running with an endpoint");
            }
        }
        return out;
    }

    /** The job as sent to its agent: {@code endpoint} resolved from the named server. */
    static Job resolve(Job job, List<Job> all) {
        String server = server(job.spec());
        if (server == null) {
            return job;
        }
        Optional<String> endpoint = endpointOf(server, all);
        if (endpoint.isEmpty()) {
            return job;
        }
        Map<String, Object> settings = new LinkedHashMap<>(job.spec().runtimeSettings());
        settings.put(ENDPOINT, endpoint.get());
        JobSpec s = job.spec();
        JobSpec sent = new JobSpec(s.name(), s.runtime(), settings, s.resources(), s.constraints(), s.priority(),
                s.restart(), s.timeout(), s.labels());
        return new Job(job.id(), sent, job.state(), job.nodeId(), job.gpuIndices(), job.runId(), job.attempt(),
                job.exitCode(), job.message(), job.submitted(), job.events(), job.result(), job.endpoint(),
                job.progress());
    }

    private static String server(JobSpec spec) {
        Object server = spec.runtimeSettings().get(SERVER);
        if (server == null || spec.runtimeSettings().get(ENDPOINT) != null) {
            return null;
        }
        return server.toString();
    }

    /** A running job with that id, or else the newest running job with that name, that has an endpoint. */
    static Optional<String> endpointOf(String server, List<Job> all) {
        Optional<Job> byId = all.stream().filter(j -> j.id().equals(server)).findFirst();
        Optional<Job> found = byId.isPresent() ? byId
                : all.stream().filter(j -> j.spec().name().equals(server) && j.state() == JobState.RUNNING
                        && !j.endpoint().isEmpty()).findFirst();
        return found.filter(j -> j.state() == JobState.RUNNING && !j.endpoint().isEmpty()).map(Job::endpoint);
    }
}
