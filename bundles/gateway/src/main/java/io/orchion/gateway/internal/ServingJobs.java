package io.orchion.gateway.internal;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobState;

/**
 * Which models the cluster serves, and where: every RUNNING job with an endpoint (a model server:
 * vLLM, llama.cpp, Ollama) is asked {@code GET /v1/models} at each refresh, and each model it
 * names is served by it. A server that does not answer is left out until it does. A refresh
 * replaces the whole picture at once, so a request sees one consistent picture.
 */
final class ServingJobs {
    private static final Logger LOG = LoggerFactory.getLogger(ServingJobs.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The models at one refresh: each model's replicas, and when each model was first seen. */
    record Picture(Map<String, List<Upstream>> replicas, Map<String, Instant> firstSeen) {
        static final Picture EMPTY = new Picture(Map.of(), Map.of());
    }

    private final Supplier<List<Job>> jobs;
    private final HttpClient http;
    private final Duration timeout;
    private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();
    private volatile Picture picture = Picture.EMPTY;

    ServingJobs(Supplier<List<Job>> jobs, HttpClient http, Duration timeout) {
        this.jobs = jobs;
        this.http = http;
        this.timeout = timeout;
    }

    Picture picture() {
        return picture;
    }

    /** Asks every serving job what it serves (all at once, each within the timeout) and replaces the picture. */
    void refresh() {
        List<Job> serving = new ArrayList<>();
        for (Job j : jobs.get()) {
            if (j.state() == JobState.RUNNING && !j.endpoint().isEmpty()) {
                serving.add(j);
            }
        }
        Map<Job, CompletableFuture<List<String>>> asked = new LinkedHashMap<>();
        for (Job j : serving) {
            asked.put(j, ask(j));
        }
        Map<String, List<Upstream>> replicas = new HashMap<>();
        for (Map.Entry<Job, CompletableFuture<List<String>>> e : asked.entrySet()) {
            Job j = e.getKey();
            List<String> models = e.getValue().join();
            for (String m : models) {
                replicas.computeIfAbsent(m, k -> new ArrayList<>())
                        .add(new Upstream(m, base(j.endpoint()), j.id(), j.nodeId()));
                firstSeen.putIfAbsent(m, Instant.now());
            }
        }
        replicas.replaceAll((m, l) -> List.copyOf(l));
        picture = new Picture(Map.copyOf(replicas), Map.copyOf(firstSeen));
    }

    /** The models a job's server lists; none when it does not answer in time or answers nonsense. */
    private CompletableFuture<List<String>> ask(Job j) {
        URI models;
        try {
            models = URI.create(base(j.endpoint()) + "/v1/models");
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(List.of());
        }
        HttpRequest req = HttpRequest.newBuilder(models).timeout(timeout).GET().build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray()).thenApply(r -> {
            if (r.statusCode() != 200) {
                LOG.debug("{} ({}) answered {} to GET /v1/models", j.id(), j.endpoint(), r.statusCode());
                return List.<String>of();
            }
            List<String> ids = new ArrayList<>();
            try {
                JsonNode data = JSON.readTree(r.body()).path("data");
                for (JsonNode m : data) {
                    String id = m.path("id").asText("");
                    if (!id.isEmpty() && id.length() <= 256) {
                        ids.add(id);
                    }
                }
            } catch (java.io.IOException e) {
                LOG.debug("{} ({}) answered GET /v1/models with what is not JSON", j.id(), j.endpoint());
            }
            return ids;
        }).exceptionally(t -> {
            LOG.debug("{} ({}) did not answer GET /v1/models: {}", j.id(), j.endpoint(), t.toString());
            return List.of();
        });
    }

    /** {@code http://host:port}, without a trailing {@code /} or {@code /v1}. */
    static URI base(String endpoint) {
        String e = endpoint.strip().replaceAll("/+$", "");
        if (e.endsWith("/v1")) {
            e = e.substring(0, e.length() - 3);
        }
        return URI.create(e);
    }
}
