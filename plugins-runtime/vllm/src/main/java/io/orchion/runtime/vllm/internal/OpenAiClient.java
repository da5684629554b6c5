package io.orchion.runtime.vllm.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.orchion.runtime.support.HealthProbe;

/**
 * The few calls of vLLM's OpenAI-compatible HTTP API this runtime makes beyond {@code GET /health}
 * ({@link HealthProbe}): {@code GET /v1/models}, and streamed completions (server-sent events). The seam tests replace
 * by pointing it at a server of their own.
 */
class OpenAiClient {
    /** Strict: one JSON value a text, nothing after it. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** The model ids {@code GET base/v1/models} lists. */
    List<String> models(String base, Duration timeout) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/models")).timeout(timeout).GET().build();
        HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IOException("GET /v1/models answered " + res.statusCode() + excerpt(res.body()));
        }
        List<String> ids = new ArrayList<>();
        JsonNode root = JSON.readTree(res.body());
        if (root.isObject() && root.has("data")) {
            JsonNode data = root.get("data");
            if (!data.isArray()) {
                throw new IOException("GET /v1/models answered 'data' that is not a list" + excerpt(res.body()));
            }
            for (JsonNode m : data) {
                if (m.isObject() && m.hasNonNull("id")) {
                    ids.add(m.get("id").asText());
                }
            }
        }
        return ids;
    }

    /**
     * POSTs {@code body} to {@code base + path} and hands each server-sent event's JSON to
     * {@code events} until {@code [DONE]} or the end of the stream. {@code opened} receives the
     * response body, so a caller can close it to abandon the request.
     */
    void stream(String base, String path, ObjectNode body, Duration timeout, Consumer<InputStream> opened,
            Consumer<ObjectNode> events) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (timeout != null) {
            b.timeout(timeout);
        }
        HttpResponse<InputStream> res = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = res.body();
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            opened.accept(in);
            if (res.statusCode() != 200) {
                StringBuilder text = new StringBuilder();
                for (String line; text.length() < 2000 && (line = r.readLine()) != null;) {
                    text.append(line).append('\n');
                }
                throw new IOException("POST " + path + " answered " + res.statusCode() + excerpt(text.toString()));
            }
            for (String line; (line = r.readLine()) != null;) {
                if (!line.startsWith("data:")) {
                    continue; // comments, event names, blank separators
                }
                String data = line.substring(5).trim();
                if (data.equals("[DONE]")) {
                    return;
                }
                if (JSON.readTree(data) instanceof ObjectNode e) {
                    events.accept(e);
                }
            }
        }
    }

    /** A short, readable account of a connection failure. */
    static String describe(Exception e) {
        return HealthProbe.describe(e);
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String s = body.strip().replaceAll("\\s+", " ");
        return ": " + (s.length() > 300 ? s.substring(0, 300) + "..." : s);
    }
}
