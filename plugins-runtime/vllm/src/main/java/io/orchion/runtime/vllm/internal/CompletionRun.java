package io.orchion.runtime.vllm.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;

/**
 * A completion job: one streamed request to a running server ({@code POST /v1/completions} for a
 * prompt, {@code /v1/chat/completions} for messages). The text goes to stdout as it arrives, line
 * by line; the job's result holds the whole text, the model, the finish reason and the token counts.
 */
final class CompletionRun implements RunHandle {
    private final String runId;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final AtomicReference<String> stopReason = new AtomicReference<>();
    private final AtomicReference<InputStream> body = new AtomicReference<>();
    private volatile Thread worker;

    private CompletionRun(String runId) {
        this.runId = runId;
    }

    /** Checks the settings (refusing with the field's name), then sends the request in the background. */
    static CompletionRun start(RunRequest request, LogSink logs, OpenAiClient client) {
        Values v = new Values(request.settings(), "vllm.");
        String endpoint = v.string("endpoint", null);
        if (endpoint == null) {
            throw new InvalidArgumentException("vllm.endpoint", v.has("server")
                    ? "the server '" + v.string("server", "") + "' was not resolved to an endpoint (is it RUNNING?)"
                    : "required for mode complete (or name a running serve job in vllm.server)");
        }
        String base = base(endpoint);
        String prompt = v.string("prompt", null);
        Object messages = request.settings().get("messages");
        if ((prompt == null) == (messages == null)) {
            throw new InvalidArgumentException(prompt == null ? "vllm.prompt" : "vllm.messages",
                    "mode complete takes either prompt or messages, " + (prompt == null ? "and neither is set" : "not both"));
        }
        JsonObject req = new JsonObject();
        if (prompt != null) {
            req.addProperty("prompt", prompt);
        } else {
            req.add("messages", messages(messages));
        }
        Integer maxTokens = v.integer("maxTokens", null, 1, 1_000_000);
        if (maxTokens != null) {
            req.addProperty("max_tokens", maxTokens);
        }
        Double temperature = v.number("temperature", 0, 2);
        if (temperature != null) {
            req.addProperty("temperature", temperature);
        }
        req.addProperty("stream", true);
        JsonObject streamOptions = new JsonObject();
        streamOptions.addProperty("include_usage", true);
        req.add("stream_options", streamOptions);
        String model = v.string("model", null);
        String path = prompt != null ? "/v1/completions" : "/v1/chat/completions";

        CompletionRun run = new CompletionRun(request.runId());
        Thread t = new Thread(() -> run.call(client, base, path, req, model, request.timeout(), logs),
                "orchion-vllm-complete-" + request.runId());
        t.setDaemon(true);
        run.worker = t;
        t.start();
        if (request.timeout() != null) {
            CompletableFuture.delayedExecutor(request.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> run.stopBecause("timeout"));
        }
        return run;
    }

    /** The server's base URL: an endpoint may be written with or without a trailing /v1. */
    static String base(String endpoint) {
        String e = endpoint.strip().replaceAll("/+$", "");
        if (e.endsWith("/v1")) {
            e = e.substring(0, e.length() - 3);
        }
        try {
            URI u = URI.create(e);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException bad) {
            throw new InvalidArgumentException("vllm.endpoint", "'" + endpoint + "' is not an http(s) URL");
        }
        return e;
    }

    private static JsonArray messages(Object value) {
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new InvalidArgumentException("vllm.messages", "must be a non-empty list of {role, content}");
        }
        JsonArray out = new JsonArray();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m) || m.get("role") == null || m.get("content") == null) {
                throw new InvalidArgumentException("vllm.messages[" + i + "]", "needs a role and a content");
            }
            JsonObject o = new JsonObject();
            o.addProperty("role", m.get("role").toString());
            o.addProperty("content", m.get("content").toString());
            out.add(o);
        }
        return out;
    }

    private void call(OpenAiClient client, String base, String path, JsonObject req, String model, Duration timeout,
            LogSink logs) {
        StringBuilder text = new StringBuilder();
        StringBuilder line = new StringBuilder();
        Map<String, Object> result = new LinkedHashMap<>();
        try {
            String m = model;
            if (m == null) {
                List<String> models = client.models(base, Duration.ofSeconds(30));
                if (models.isEmpty()) {
                    exit.complete(new ExitStatus(1, "the server at " + base + " lists no models"));
                    return;
                }
                m = models.get(0);
            }
            req.addProperty("model", m);
            result.put("model", m);
            logs.status("asking " + base + path + " (model " + m + ")");
            client.stream(base, path, req, timeout, body::set, event -> {
                if (event.has("model") && !event.get("model").isJsonNull()) {
                    result.put("model", event.get("model").getAsString());
                }
                if (event.has("usage") && event.get("usage").isJsonObject()) {
                    result.put("usage", usage(event.getAsJsonObject("usage")));
                }
                if (event.has("error")) {
                    throw new IllegalStateException("the server reported an error: " + event.get("error"));
                }
                JsonArray choices = event.has("choices") && event.get("choices").isJsonArray()
                        ? event.getAsJsonArray("choices") : new JsonArray();
                if (choices.isEmpty() || !choices.get(0).isJsonObject()) {
                    return;
                }
                JsonObject c = choices.get(0).getAsJsonObject();
                String piece = string(c.get("text"));
                if (piece == null && c.has("delta") && c.get("delta").isJsonObject()) {
                    piece = string(c.getAsJsonObject("delta").get("content"));
                }
                String finish = string(c.get("finish_reason"));
                if (finish != null) {
                    result.put("finish_reason", finish);
                }
                if (piece != null) {
                    text.append(piece);
                    line.append(piece);
                    int nl;
                    while ((nl = line.indexOf("\n")) >= 0) {
                        logs.line("stdout", line.substring(0, nl));
                        line.delete(0, nl + 1);
                    }
                }
            });
            if (line.length() > 0) {
                logs.line("stdout", line.toString());
            }
            String why = stopReason.get();
            if (why != null) {
                exit.complete(new ExitStatus(1, why));
                return;
            }
            result.put("text", text.toString());
            exit.complete(new ExitStatus(0, "exited", result));
        } catch (InterruptedException e) {
            exit.complete(new ExitStatus(1, stopReason.get() == null ? "interrupted" : stopReason.get()));
        } catch (IOException | RuntimeException e) {
            String why = stopReason.get();
            exit.complete(new ExitStatus(1, why != null ? why : "completion against " + base + " failed: "
                    + OpenAiClient.describe(e)));
        }
    }

    private static Map<String, Object> usage(JsonObject u) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : new String[] { "prompt_tokens", "completion_tokens", "total_tokens" }) {
            if (u.has(k) && u.get(k).isJsonPrimitive()) {
                out.put(k, u.get(k).getAsLong());
            }
        }
        return out;
    }

    private static String string(JsonElement e) {
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    void stopBecause(String reason) {
        if (exit.isDone()) {
            return;
        }
        stopReason.compareAndSet(null, reason);
        InputStream in = body.get();
        if (in != null) {
            try {
                in.close(); // abandons the streamed response
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        Thread t = worker;
        if (t != null) {
            t.interrupt(); // still connecting or waiting for the answer's head
        }
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    @Override
    public void stop(Duration grace) {
        stopBecause("stopped");
    }
}
