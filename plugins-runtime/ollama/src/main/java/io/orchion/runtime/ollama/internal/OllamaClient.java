package io.orchion.runtime.ollama.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Ollama's HTTP API as this runtime uses it (JSON in, JSON or NDJSON out), over the JDK's
 * HttpClient. Every failure becomes an {@link OllamaException} whose message a user understands:
 * "no Ollama at URL: connection refused", or Ollama's own error text with the HTTP status.
 */
class OllamaClient {
    /** Strict: one JSON value a text, nothing after it. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_ERROR_BODY = 16 * 1024;

    private final OllamaOptions options;
    private final HttpClient http;

    OllamaClient(OllamaOptions options) {
        this.options = options;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout()).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    OllamaOptions options() {
        return options;
    }

    String url() {
        return options.base();
    }

    /** A GET answered with one JSON object, waiting at most {@code timeout} for it. */
    ObjectNode get(String path, Duration timeout) throws OllamaException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(uri(path)).timeout(timeout).GET().build();
        Call call = new Call();
        ObjectNode[] out = new ObjectNode[1];
        exchange(req, call, in -> out[0] = parse(path, new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        return out[0];
    }

    /** A POST answered with one JSON object (a request with {@code "stream": false}). */
    ObjectNode post(String path, ObjectNode body, Call call) throws OllamaException, InterruptedException {
        ObjectNode[] out = new ObjectNode[1];
        exchange(post(path, body), call,
                in -> out[0] = parse(path, new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        return out[0];
    }

    /**
     * A POST answered with NDJSON: each object goes to {@code each} as it arrives. An object with
     * an {@code error} field (how Ollama reports a failure mid-stream) ends the call with that error.
     */
    void stream(String path, ObjectNode body, Call call, Consumer<ObjectNode> each)
            throws OllamaException, InterruptedException {
        exchange(post(path, body), call, in -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                ObjectNode o = parse(path, line);
                if (o.has("error")) {
                    throw new OllamaException(200, text(o.get("error")));
                }
                each.accept(o);
            }
        });
    }

    private HttpRequest post(String path, ObjectNode body) {
        return HttpRequest.newBuilder(uri(path)).timeout(options.requestTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
    }

    private URI uri(String path) {
        return URI.create(options.base() + path);
    }

    private interface BodyReader {
        void read(InputStream in) throws IOException, OllamaException;
    }

    private void exchange(HttpRequest req, Call call, BodyReader reader) throws OllamaException, InterruptedException {
        if (call.cancelled()) {
            throw new OllamaException(0, "request cancelled"); // not even sent
        }
        CompletableFuture<HttpResponse<InputStream>> pending = http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> response;
        try {
            call.pending(pending);
            response = pending.get();
        } catch (CancellationException e) {
            throw new OllamaException(0, "request cancelled");
        } catch (ExecutionException e) {
            throw unreachable(e.getCause(), req);
        }
        try (InputStream in = response.body()) {
            call.body(in);
            if (response.statusCode() >= 400) {
                String text = new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
                throw new OllamaException(response.statusCode(), errorText(text));
            }
            reader.read(in);
        } catch (IOException e) {
            if (call.cancelled()) {
                throw new OllamaException(0, "request cancelled");
            }
            throw unreachable(e, req);
        }
    }

    private OllamaException unreachable(Throwable e, HttpRequest req) {
        String why;
        if (e instanceof HttpConnectTimeoutException) {
            why = "no connection within " + options.connectTimeout().toMillis() + " ms";
        } else if (e instanceof HttpTimeoutException) {
            why = "no answer to " + req.uri().getPath() + " within "
                    + req.timeout().map(Duration::toMillis).orElse(0L) + " ms";
        } else if (e instanceof ConnectException) {
            why = e.getMessage() == null || e.getMessage().isBlank() ? "connection refused" : e.getMessage();
        } else if (e instanceof UnresolvedAddressException || e != null && e.getCause() instanceof UnresolvedAddressException) {
            why = "unknown host";
        } else if (e instanceof IOException && e.getMessage() != null) {
            why = e.getMessage();
        } else {
            why = e == null ? "unknown error" : e.getClass().getSimpleName();
        }
        return new OllamaException(0, "no Ollama at " + options.base() + ": " + why.toLowerCase(java.util.Locale.ROOT));
    }

    private static ObjectNode parse(String path, String text) throws OllamaException {
        try {
            if (JSON.readTree(text) instanceof ObjectNode o) {
                return o;
            }
        } catch (JsonProcessingException e) {
            // below
        }
        throw new OllamaException(200, "the answer to " + path + " is not a JSON object: "
                + (text.length() > 200 ? text.substring(0, 200) + "..." : text));
    }

    /** Ollama's {"error": "..."} body, or the body itself when it is something else. */
    private static String errorText(String body) {
        try {
            if (JSON.readTree(body) instanceof ObjectNode o && o.has("error")) {
                return text(o.get("error"));
            }
        } catch (JsonProcessingException e) {
            // plain text
        }
        String t = body.strip();
        return t.length() > 500 ? t.substring(0, 500) + "..." : t;
    }

    /** A value as text: a string as it is, a number or boolean written out, "" for none or null. */
    static String text(JsonNode e) {
        return e == null || e.isNull() || e.isMissingNode() ? "" : e.isValueNode() ? e.asText() : e.toString();
    }

    /** Whether {@code key} holds a string, number or boolean (not null, not an object or list). */
    static boolean hasValue(JsonNode o, String key) {
        JsonNode v = o.get(key);
        return v != null && v.isValueNode() && !v.isNull();
    }

    /**
     * A spec value (strings, numbers, booleans, lists, maps) as JSON; whole numbers stay whole. A
     * map's null values are left out (Ollama takes a missing option as its default), a list's stay.
     */
    static JsonNode json(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            m.forEach((k, v) -> {
                if (v != null) {
                    o.set(String.valueOf(k), json(v));
                }
            });
            return o;
        }
        if (value instanceof List<?> l) {
            ArrayNode a = NODES.arrayNode();
            l.forEach(v -> a.add(json(v)));
            return a;
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
                return NODES.numberNode((long) d);
            }
            return NODES.numberNode(d);
        }
        if (value instanceof BigDecimal n) {
            return NODES.numberNode(n);
        }
        if (value instanceof BigInteger n) {
            return NODES.numberNode(n);
        }
        if (value instanceof Number n) {
            return NODES.numberNode(n.longValue());
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        return NODES.textNode(value.toString());
    }

    /** A new, empty JSON object for a request body. */
    static ObjectNode object() {
        return NODES.objectNode();
    }

    /** One request in flight, which another thread may cancel: the answer stops being read. */
    static final class Call {
        private volatile boolean cancelled;
        private volatile CompletableFuture<?> pending;
        private volatile InputStream body;

        void pending(CompletableFuture<?> f) {
            pending = f;
            if (cancelled) {
                f.cancel(true);
            }
        }

        void body(InputStream in) {
            body = in;
            if (cancelled) {
                close(in);
            }
        }

        boolean cancelled() {
            return cancelled;
        }

        void cancel() {
            cancelled = true;
            CompletableFuture<?> p = pending;
            if (p != null) {
                p.cancel(true);
            }
            InputStream b = body;
            if (b != null) {
                close(b);
            }
        }

        private static void close(InputStream in) {
            try {
                in.close();
            } catch (IOException e) {
                // gone already
            }
        }
    }

    /**
     * Ollama could not be reached or refused a request.
     *
     * @see #status()
     */
    static final class OllamaException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        OllamaException(int status, String message) {
            super(message);
            this.status = status;
        }

        /** The HTTP status Ollama answered; 0 when it did not answer. */
        int status() {
            return status;
        }
    }
}
