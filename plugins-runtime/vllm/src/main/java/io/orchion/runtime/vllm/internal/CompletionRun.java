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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunRequest;
import io.orchion.runtime.support.AbstractRun;
import io.orchion.runtime.support.LineSplitter;
import io.orchion.runtime.support.Settings;

/**
 * A completion job: one streamed request to a running server ({@code POST /v1/completions} for a
 * prompt, {@code /v1/chat/completions} for messages). The text goes to stdout as it arrives, line
 * by line; the job's result holds the whole text, the model, the finish reason and the token counts.
 */
final class CompletionRun extends AbstractRun {
    private final AtomicReference<InputStream> body = new AtomicReference<>();
    private volatile Thread worker;

    private CompletionRun(String runId) {
        super(runId);
        markStarted();
    }

    /** Checks the settings (refusing with the field's name), then sends the request in the background. */
    static CompletionRun start(RunRequest request, LogSink logs, OpenAiClient client) {
        Settings v = new Settings(request.settings(), "vllm.");
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
        ObjectNode req = OpenAiClient.JSON.createObjectNode();
        if (prompt != null) {
            req.put("prompt", prompt);
        } else {
            req.set("messages", messages(messages));
        }
        Integer maxTokens = v.integer("maxTokens", null, 1, 1_000_000);
        if (maxTokens != null) {
            req.put("max_tokens", maxTokens);
        }
        Double temperature = v.number("temperature", 0, 2);
        if (temperature != null) {
            req.put("temperature", temperature);
        }
        req.put("stream", true);
        req.putObject("stream_options").put("include_usage", true);
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
                    .execute(() -> run.stopBecause(TIMEOUT, Duration.ZERO));
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

    private static ArrayNode messages(Object value) {
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new InvalidArgumentException("vllm.messages", "must be a non-empty list of {role, content}");
        }
        ArrayNode out = OpenAiClient.JSON.createArrayNode();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m) || m.get("role") == null || m.get("content") == null) {
                throw new InvalidArgumentException("vllm.messages[" + i + "]", "needs a role and a content");
            }
            out.addObject().put("role", m.get("role").toString()).put("content", m.get("content").toString());
        }
        return out;
    }

    private void call(OpenAiClient client, String base, String path, ObjectNode req, String model, Duration timeout,
            LogSink logs) {
        StringBuilder text = new StringBuilder();
        LineSplitter lines = new LineSplitter(line -> logs.line("stdout", line));
        Map<String, Object> result = new LinkedHashMap<>();
        try {
            String m = model;
            if (m == null) {
                List<String> models = client.models(base, Duration.ofSeconds(30));
                if (models.isEmpty()) {
                    complete(new ExitStatus(1, "the server at " + base + " lists no models"));
                    return;
                }
                m = models.get(0);
            }
            req.put("model", m);
            result.put("model", m);
            logs.status("asking " + base + path + " (model " + m + ")");
            client.stream(base, path, req, timeout, body::set, event -> {
                if (event.hasNonNull("model")) {
                    result.put("model", event.get("model").asText());
                }
                if (event.get("usage") instanceof ObjectNode u) {
                    result.put("usage", usage(u));
                }
                if (event.has("error")) {
                    throw new IllegalStateException("the server reported an error: " + event.get("error"));
                }
                if (!(event.get("choices") instanceof ArrayNode choices) || choices.isEmpty()
                        || !(choices.get(0) instanceof ObjectNode c)) {
                    return;
                }
                String piece = string(c.get("text"));
                if (piece == null && c.get("delta") instanceof ObjectNode delta) {
                    piece = string(delta.get("content"));
                }
                String finish = string(c.get("finish_reason"));
                if (finish != null) {
                    result.put("finish_reason", finish);
                }
                if (piece != null) {
                    text.append(piece);
                    lines.write(piece);
                }
            });
            lines.flush();
            String why = stopReason();
            if (why != null) {
                complete(new ExitStatus(1, why));
                return;
            }
            result.put("text", text.toString());
            complete(new ExitStatus(0, "exited", result));
        } catch (InterruptedException e) {
            complete(new ExitStatus(1, stopReason() == null ? "interrupted" : stopReason()));
        } catch (IOException | RuntimeException e) {
            String why = stopReason();
            complete(new ExitStatus(1, why != null ? why : "completion against " + base + " failed: "
                    + OpenAiClient.describe(e)));
        }
    }

    private static Map<String, Object> usage(ObjectNode u) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : new String[] { "prompt_tokens", "completion_tokens", "total_tokens" }) {
            JsonNode v = u.get(k);
            if (v != null && v.isValueNode() && !v.isNull()) {
                out.put(k, v.asLong());
            }
        }
        return out;
    }

    private static String string(JsonNode e) {
        return e == null || e.isNull() ? null : e.asText();
    }

    /** Abandons the request: the response is closed, a connect or wait interrupted; the grace is not needed. */
    @Override
    public void stopBecause(String reason, Duration grace) {
        if (exit().isDone()) {
            return;
        }
        recordStop(reason);
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

}
