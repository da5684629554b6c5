package io.orchion.gateway.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The OpenAI-compatible front of the cluster's models. {@code GET /v1/models} lists what the
 * replicas serve; a call ({@code POST /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/embeddings}) goes to a replica of the model it names, chosen by the {@link Balancer},
 * and its answer comes back as the replica sends it, chunk by chunk (a stream's events are not held
 * back). A replica that fails before the first byte reached the client (no connection, a 5xx) is
 * set aside for a while and the call tried on another; once bytes have gone out, a failure ends
 * the answer. A client that goes away cancels the replica's request, which frees its slot there.
 *
 * <pre>
 * POST /v1/chat/completions ── body (≤ max) ─ JSON? model? ─ 400
 *   replicas(model) ─ none: 404 model_not_found
 *   balancer.acquire ─ queue full: 429 Retry-After; waited too long: 503
 *   sendAsync(replica) ─ no connection / 5xx before any byte ─ set aside, next replica ─ none left: 502
 *                     └ status + headers ─ each chunk: write, flush ─ client gone: cancel upstream
 * </pre>
 */
final class Gateway {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The calls relayed, by their path under the servlet. */
    static final Set<String> CALLS = Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings");

    /**
     * @param maxBodyBytes      the largest request body read
     * @param upstreamTimeout   how long a replica may take to start answering (its status and headers)
     * @param setAside          how long a replica that failed is passed over while others remain
     */
    record Settings(long maxBodyBytes, Duration upstreamTimeout, Duration setAside) {
    }

    private final Supplier<ServingJobs.Picture> models;
    private final Supplier<io.orchion.api.metrics.Metrics> metrics;
    private final Balancer balancer;
    private final HttpClient http;
    private final Settings settings;
    /** Replicas that failed recently, until when they are passed over. */
    private final Map<URI, Long> failedUntil = new ConcurrentHashMap<>();

    Gateway(Supplier<ServingJobs.Picture> models, Balancer balancer, HttpClient http, Settings settings) {
        this(models, balancer, http, settings, () -> null);
    }

    /** @param metrics where each call is counted once it ends (null while no metrics service is there) */
    Gateway(Supplier<ServingJobs.Picture> models, Balancer balancer, HttpClient http, Settings settings,
            Supplier<io.orchion.api.metrics.Metrics> metrics) {
        this.metrics = metrics;
        this.models = models;
        this.balancer = balancer;
        this.http = http;
        this.settings = settings;
    }

    /** Answers a request under {@code /v1}. */
    void serve(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        if (path.equals("/v1/models") && ("GET".equals(req.getMethod()) || "HEAD".equals(req.getMethod()))) {
            list(resp);
        } else if (CALLS.contains(path) && "POST".equals(req.getMethod())) {
            call(path, req, resp);
        } else {
            // the REST filter's route table lets nothing else through (GatewayRoutesTest keeps them in step)
            OpenAiErrors.send(resp, 404, "no route " + req.getMethod() + " " + path, null, null);
        }
    }

    /** The routes served, as {@code METHOD PATH}, for the check against the REST route table. */
    static java.util.SortedSet<String> routes() {
        java.util.SortedSet<String> r = new java.util.TreeSet<>();
        r.add("GET /v1/models");
        CALLS.forEach(p -> r.add("POST " + p));
        return r;
    }

    /** {@code GET /v1/models}: every model with a replica that answers, as OpenAI lists models. */
    void list(HttpServletResponse resp) throws IOException {
        ServingJobs.Picture p = models.get();
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        p.replicas().keySet().stream().sorted().forEach(m -> {
            ObjectNode o = data.addObject();
            o.put("id", m);
            o.put("object", "model");
            o.put("created", p.firstSeen().containsKey(m) ? p.firstSeen().get(m).getEpochSecond() : 0);
            o.put("owned_by", "orchion");
            o.put("replicas", p.replicas().get(m).size());
        });
        resp.setStatus(200);
        resp.setContentType("application/json");
        resp.getOutputStream().write(JSON.writeValueAsBytes(root));
    }

    /** A call: read, checked, and relayed to a replica asynchronously. */
    void call(String path, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long arrived = System.nanoTime();
        byte[] body = read(req, resp);
        if (body == null) {
            return;
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            OpenAiErrors.send(resp, 400, "the request body is not JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")"), null, null);
            return;
        }
        if (json == null || !json.isObject()) {
            OpenAiErrors.send(resp, 400, "the request body must be a JSON object", null, null);
            return;
        }
        JsonNode m = json.get("model");
        if (m == null || !m.isTextual() || m.asText().isBlank()) {
            OpenAiErrors.send(resp, 400, "model: missing; GET /v1/models lists the models served", "model", null);
            return;
        }
        String model = m.asText();
        List<Upstream> replicas = models.get().replicas().getOrDefault(model, List.of());
        if (replicas.isEmpty()) {
            OpenAiErrors.send(resp, 404, "The model '" + model + "' does not exist or has no replica ready; "
                    + "GET /v1/models lists the models served", "model", "model_not_found");
            return;
        }
        boolean stream = json.path("stream").asBoolean(false);
        AsyncContext async = req.startAsync();
        async.setTimeout(0);
        Exchange x = new Exchange(async, resp, model, path, body, stream, replicas, arrived);
        async.addListener(x);
        x.attempt();
    }

    /** The body, at most {@link Settings#maxBodyBytes()}; null when refused (the answer is sent). */
    private byte[] read(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long max = settings.maxBodyBytes();
        if (req.getContentLengthLong() > max) {
            OpenAiErrors.send(resp, 413, "the request body of " + req.getContentLengthLong() + " bytes is over the "
                    + max + " accepted", null, null);
            return null;
        }
        try (InputStream in = req.getInputStream()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (b.length > max) {
                OpenAiErrors.send(resp, 413, "the request body is over the " + max + " bytes accepted", null, null);
                return null;
            }
            return b;
        }
    }

    /** One call's way to a replica and back. */
    private final class Exchange implements AsyncListener {
        private final AsyncContext async;
        private final HttpServletResponse resp;
        private final String model;
        private final String path;
        private final byte[] body;
        private final boolean stream;
        private final List<Upstream> replicas;
        private final Set<URI> tried = ConcurrentHashMap.newKeySet();
        private volatile boolean started;
        private volatile boolean done;
        private volatile String lastFailure = "";
        private volatile Flow.Subscription upstream;
        private volatile CompletableFuture<?> pending;
        private final long arrived;
        private volatile long firstByte = -1;
        private volatile int status;
        /** The answer's last bytes, where its usage (token counts) is. */
        private final Tail tail = new Tail(16 * 1024);

        Exchange(AsyncContext async, HttpServletResponse resp, String model, String path, byte[] body, boolean stream,
                List<Upstream> replicas, long arrived) {
            this.arrived = arrived;
            this.async = async;
            this.resp = resp;
            this.model = model;
            this.path = path;
            this.body = body;
            this.stream = stream;
            this.replicas = replicas;
        }

        /** Takes a slot on a replica not tried yet (one that failed lately only when no other is left). */
        void attempt() {
            if (done) {
                return;
            }
            List<Upstream> left = new ArrayList<>();
            List<Upstream> healthy = new ArrayList<>();
            long now = System.nanoTime();
            for (Upstream u : replicas) {
                if (!tried.contains(u.base())) {
                    left.add(u);
                    Long until = failedUntil.get(u.base());
                    if (until == null || until - now <= 0) {
                        healthy.add(u);
                    }
                }
            }
            if (left.isEmpty()) {
                fail(502, "no replica of model '" + model + "' answered (" + tried.size() + " tried): " + lastFailure,
                        "upstream_unavailable");
                return;
            }
            CompletableFuture<Balancer.Lease> lease = balancer.acquire(model, healthy.isEmpty() ? left : healthy, tried);
            pending = lease;
            lease.whenComplete((l, err) -> {
                if (err == null) {
                    send(l);
                } else if (err instanceof Balancer.Busy) {
                    resp.setHeader("Retry-After", "1");
                    fail(429, err.getMessage(), "model_busy");
                } else if (err instanceof Balancer.Waited) {
                    resp.setHeader("Retry-After", "5");
                    fail(503, err.getMessage(), "model_busy");
                } else {
                    fail(500, "the gateway failed: " + err, null);
                }
            });
        }

        private void send(Balancer.Lease lease) {
            if (done) {
                lease.release();
                return;
            }
            Upstream u = lease.upstream;
            HttpRequest r = HttpRequest.newBuilder(URI.create(u.base() + path)).timeout(settings.upstreamTimeout())
                    .header("Content-Type", "application/json")
                    .header("Accept", stream ? "text/event-stream" : "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            Relay relay = new Relay(lease);
            CompletableFuture<HttpResponse<Void>> sent = http.sendAsync(r, relay);
            pending = sent;
            sent.whenComplete((response, err) -> {
                if (err == null && !relay.retry && !relay.dropped) {
                    return; // the relay ended it
                }
                lease.release();
                if (relay.dropped) {
                    end();
                    return;
                }
                if (err != null) {
                    lastFailure = describe(u, err);
                } else {
                    lastFailure = u.replica() + " answered HTTP " + relay.status;
                }
                if (started || done) {
                    status = 0; // broke off after the answer began
                    end();
                    return;
                }
                // nothing reached the client: set this replica aside and try another
                failedUntil.put(u.base(), System.nanoTime() + settings.setAside().toNanos());
                tried.add(u.base());
                LOG.info("model {}: replica {} failed before answering ({}); trying another", model, u.replica(),
                        lastFailure);
                attempt();
            });
        }

        private String describe(Upstream u, Throwable err) {
            Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (c instanceof HttpConnectTimeoutException) {
                return u.replica() + " at " + u.base() + ": no connection";
            }
            if (c instanceof HttpTimeoutException) {
                return u.replica() + " at " + u.base() + ": no answer within " + settings.upstreamTimeout().toSeconds() + " s";
            }
            if (c instanceof java.net.ConnectException) {
                return u.replica() + " at " + u.base() + ": connection refused";
            }
            return u.replica() + " at " + u.base() + ": " + c;
        }

        private void fail(int status, String message, String code) {
            if (done) {
                return;
            }
            this.status = status;
            OpenAiErrors.send(resp, status, message, null, code);
            end();
        }

        private void end() {
            if (done) {
                return;
            }
            done = true;
            count();
            try {
                async.complete();
            } catch (IllegalStateException e) {
                // completed already (the client went away)
            }
        }

        /** Counts the call once: its status (0 when it broke off after the answer began), times and tokens. */
        private void count() {
            io.orchion.api.metrics.Metrics m = metrics.get();
            if (m == null) {
                return;
            }
            long[] usage = tail.usage();
            m.modelCall(model, status, firstByte < 0 ? -1 : firstByte - arrived, System.nanoTime() - arrived, usage[0],
                    usage[1]);
        }

        /** The client went away or the container gave up on it: stop the replica's work. */
        private void abandon() {
            if (!done) {
                status = 0;
                done = true;
                count();
            }
            Flow.Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
            CompletableFuture<?> p = pending;
            if (p != null) {
                p.cancel(true);
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            abandon();
        }

        @Override
        public void onError(AsyncEvent event) {
            abandon();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }

        /**
         * The replica's answer: a 5xx before anything went to the client is dropped for a retry;
         * any other answer is relayed with its status and content type, each chunk written and
         * flushed as it arrives.
         */
        private final class Relay implements HttpResponse.BodyHandler<Void>, HttpResponse.BodySubscriber<Void> {
            private final Balancer.Lease lease;
            private final CompletableFuture<Void> result = new CompletableFuture<>();
            volatile boolean retry;
            /** The answer came after the client had gone: read and dropped. */
            volatile boolean dropped;
            volatile int status;

            Relay(Balancer.Lease lease) {
                this.lease = lease;
            }

            @Override
            public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
                status = info.statusCode();
                if (status >= 500 && !started) {
                    retry = true;
                    return HttpResponse.BodySubscribers.replacing(null);
                }
                if (done) {
                    dropped = true;
                    return HttpResponse.BodySubscribers.replacing(null);
                }
                Exchange.this.status = status;
                resp.setStatus(status);
                resp.setContentType(info.headers().firstValue("Content-Type").orElse("application/json"));
                if (stream) {
                    resp.setHeader("Cache-Control", "no-cache");
                    resp.setHeader("X-Accel-Buffering", "no");
                }
                return this;
            }

            @Override
            public void onSubscribe(Flow.Subscription s) {
                upstream = s;
                if (done) {
                    s.cancel();
                    finish();
                } else {
                    s.request(1);
                }
            }

            @Override
            public void onNext(List<ByteBuffer> buffers) {
                try {
                    ServletOutputStream out = resp.getOutputStream();
                    for (ByteBuffer b : buffers) {
                        byte[] chunk = new byte[b.remaining()];
                        b.get(chunk);
                        out.write(chunk);
                        tail.add(chunk);
                    }
                    out.flush();
                    if (!started) {
                        firstByte = System.nanoTime();
                        started = true;
                    }
                } catch (IOException | IllegalStateException e) {
                    // the client went away: the replica stops too (its connection is closed)
                    upstream.cancel();
                    finish();
                    status = 0;
                    end();
                    return;
                }
                upstream.request(1);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                finish();
                end();
            }

            private void finish() {
                lease.release();
                result.complete(null);
            }

            @Override
            public CompletableFuture<Void> getBody() {
                return result;
            }
        }
    }

    /**
     * The last bytes of an answer, where OpenAI-compatible servers put the token counts: the
     * {@code usage} object at the end of a JSON answer, or in a stream's last chunk.
     */
    static final class Tail {
        private static final java.util.regex.Pattern PROMPT = java.util.regex.Pattern.compile("\"prompt_tokens\"\\s*:\\s*(\\d{1,12})");
        private static final java.util.regex.Pattern COMPLETION = java.util.regex.Pattern
                .compile("\"completion_tokens\"\\s*:\\s*(\\d{1,12})");
        private final byte[] ring;
        private long written;

        Tail(int size) {
            ring = new byte[size];
        }

        synchronized void add(byte[] b) {
            for (byte x : b) {
                ring[(int) (written++ % ring.length)] = x;
            }
        }

        synchronized String text() {
            int n = (int) Math.min(written, ring.length);
            byte[] out = new byte[n];
            for (int i = 0; i < n; i++) {
                out[i] = ring[(int) ((written - n + i) % ring.length)];
            }
            return new String(out, java.nio.charset.StandardCharsets.UTF_8);
        }

        /** {prompt tokens, completion tokens}, each the last count in the tail, or -1. */
        long[] usage() {
            String t = text();
            return new long[] { last(PROMPT, t), last(COMPLETION, t) };
        }

        private static long last(java.util.regex.Pattern p, String t) {
            java.util.regex.Matcher m = p.matcher(t);
            long v = -1;
            while (m.find()) {
                v = Long.parseLong(m.group(1));
            }
            return v;
        }
    }
}
