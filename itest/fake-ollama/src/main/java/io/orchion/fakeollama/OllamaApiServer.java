package io.orchion.fakeollama;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A <b>fake</b> of Ollama's documented HTTP API (ollama/ollama {@code docs/api.md}), for tests only:
 * no real Ollama can be installed where Orchion's tests run. It is not Ollama and runs no model. It
 * answers the endpoints Orchion uses the way the documentation describes them:
 * <ul>
 * <li>{@code GET /api/version}, {@code GET /api/tags}, {@code POST /api/show}, {@code GET /api/ps}</li>
 * <li>{@code POST /api/pull}: NDJSON status lines ("pulling manifest", per-layer
 * {@code {status, digest, total, completed}}, "verifying sha256 digest", "writing manifest",
 * "success"); a model that the fake library does not hold gives
 * {@code {"error":"pull model manifest: file does not exist"}} as Ollama does</li>
 * <li>{@code POST /api/generate} and {@code POST /api/chat}: streamed by default (NDJSON chunks, then
 * a final object with {@code done}, {@code done_reason}, {@code total_duration},
 * {@code load_duration}, {@code prompt_eval_count}, {@code eval_count}, ...), one object with
 * {@code "stream": false}; a model that is not present gives 404 with Ollama's error text</li>
 * <li>{@code POST /api/embed}: {@code embeddings}, one vector per input</li>
 * </ul>
 * The content is deterministic fake text (see {@link #reply(Function)}) and embeddings derived from
 * the input. Tests shape it: which models are present ({@link #withLocalModel}), which the library
 * can deliver ({@link #withPullableModel}), how fast a pull goes ({@link #pullStep}), how long a model
 * takes to load ({@link #loadDelay}) and the pause between streamed chunks ({@link #tokenDelay}).
 * It listens on loopback only.
 */
public final class OllamaApiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TOKEN = Pattern.compile("\\S*\\s*|\\s+");

    private final HttpServer server;
    private final ExecutorService pool;
    private final Map<String, Long> local = new ConcurrentHashMap<>();
    private final Map<String, Long> library = new ConcurrentHashMap<>();
    private final Map<String, Instant> loaded = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Map<String, ObjectNode> failures = new ConcurrentHashMap<>();
    private final AtomicInteger aborted = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile String version = "0.9.0";
    private volatile Duration pullStep = Duration.ofMillis(20);
    private volatile int pullChunks = 5;
    private volatile Duration loadDelay = Duration.ZERO;
    private volatile Duration tokenDelay = Duration.ZERO;
    private volatile int dimensions = 8;
    private volatile Function<String, String> reply = OllamaApiServer::defaultReply;

    private OllamaApiServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-ollama-api");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
    }

    /**
     * Runs the fake by hand, e.g. for a demo or dashboard work without Ollama:
     * {@code java -cp fake-ollama.jar:jackson-databind.jar:jackson-core.jar:jackson-annotations.jar io.orchion.fakeollama.OllamaApiServer [--port 11434]
     * [--model NAME]... [--pullable NAME]...}. Loopback only; stops on Ctrl-C.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        int port = 11434;
        List<String[]> models = new ArrayList<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--model", "--pullable" -> models.add(new String[] { args[i], args[i + 1] });
                default -> {
                    System.err.println("unknown option " + args[i] + " (known: --port, --model, --pullable)");
                    System.exit(2);
                }
            }
        }
        OllamaApiServer s = start(port).pullStep(Duration.ofMillis(200), 20);
        for (String[] m : models) {
            if (m[0].equals("--model")) {
                s.withLocalModel(m[1]);
            } else {
                s.withPullableModel(m[1], 500_000_000L);
            }
        }
        System.out.println("fake of Ollama's API (not Ollama) at " + s.url() + ", models " + s.localModels());
        Thread.currentThread().join();
    }

    /** Starts a fake on a free loopback port. */
    public static OllamaApiServer start() throws IOException {
        return start(0);
    }

    /** Starts a fake on the given loopback port (0: a free one). */
    public static OllamaApiServer start(int port) throws IOException {
        OllamaApiServer s = new OllamaApiServer(port);
        s.server.start();
        return s;
    }

    /** Where it answers, e.g. {@code http://127.0.0.1:40123}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** A model already present, as {@code ollama pull} would have left it. */
    public OllamaApiServer withLocalModel(String name) {
        local.put(canonical(name), 2_000_000L);
        return this;
    }

    /** A model the (fake) Ollama library can deliver, of about {@code bytes}. */
    public OllamaApiServer withPullableModel(String name, long bytes) {
        library.put(canonical(name), bytes);
        return this;
    }

    /** The pause between two pull progress lines, and how many lines each layer gets. */
    public OllamaApiServer pullStep(Duration step, int chunksPerLayer) {
        this.pullStep = step;
        this.pullChunks = Math.max(1, chunksPerLayer);
        return this;
    }

    /** How long a model takes to "load" before the first chunk of an answer. */
    public OllamaApiServer loadDelay(Duration delay) {
        this.loadDelay = delay;
        return this;
    }

    /** The pause between two streamed chunks of an answer. */
    public OllamaApiServer tokenDelay(Duration delay) {
        this.tokenDelay = delay;
        return this;
    }

    /** The length of every embedding vector. */
    public OllamaApiServer embeddingDimensions(int n) {
        this.dimensions = n;
        return this;
    }

    /** What the fake "model" answers to a prompt (for chat: the last user message). */
    public OllamaApiServer reply(Function<String, String> reply) {
        this.reply = reply;
        return this;
    }

    /**
     * Every later request to {@code path} (e.g. {@code /api/generate}) is answered with
     * {@code status} and Ollama's error body {@code {"error": error}}, as Ollama does when, say, a
     * model needs more memory than the machine has; {@code null} ends that.
     */
    public OllamaApiServer failing(String path, int status, String error) {
        if (error == null) {
            failures.remove(path);
        } else {
            ObjectNode f = obj("error", error);
            f.put("status", status);
            failures.put(path, f);
        }
        return this;
    }

    public OllamaApiServer version(String version) {
        this.version = version;
        return this;
    }

    /** The models present now, as {@code /api/tags} lists them. */
    public List<String> localModels() {
        return local.keySet().stream().sorted().toList();
    }

    /** The models loaded now, as {@code /api/ps} lists them. */
    public List<String> loadedModels() {
        Instant now = Instant.now();
        return loaded.entrySet().stream().filter(e -> e.getValue().isAfter(now)).map(Map.Entry::getKey).sorted().toList();
    }

    /** Every request received, as "METHOD /path". */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** Streams the client went away from before the end (a cancelled request). */
    public int abortedStreams() {
        return aborted.get();
    }

    /** Answers being written now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** The default fake answer: a few lines that quote the prompt. */
    public static String defaultReply(String prompt) {
        return "This is a fake answer from the test server for Ollama's API.\nYou wrote: " + prompt.strip()
                + "\nThat is all.";
    }

    /** Ollama's rule: a model name without a tag means {@code :latest}. */
    public static String canonical(String name) {
        int slash = name.lastIndexOf('/');
        return name.indexOf(':', slash + 1) < 0 ? name + ":latest" : name;
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        server.stop(0);
        pool.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        String route = ex.getRequestMethod() + " " + ex.getRequestURI().getPath();
        requests.add(route);
        inFlight.incrementAndGet();
        try (ex) {
            ObjectNode failure = failures.get(ex.getRequestURI().getPath());
            if (failure != null) {
                json(ex, failure.get("status").asInt(), obj("error", failure.get("error").asText()));
                return;
            }
            switch (route) {
                case "GET /api/version" -> json(ex, 200, obj("version", version));
                case "GET /api/tags" -> tags(ex);
                case "GET /api/ps" -> ps(ex);
                case "POST /api/show" -> show(ex, body(ex));
                case "POST /api/pull" -> pull(ex, body(ex));
                case "POST /api/generate" -> answer(ex, body(ex), false);
                case "POST /api/chat" -> answer(ex, body(ex), true);
                case "POST /api/embed" -> embed(ex, body(ex));
                case "HEAD /", "GET /" -> text(ex, 200, "Ollama is running");
                default -> {
                    if (route.matches("(GET|POST) /api/(version|tags|ps|show|pull|generate|chat|embed)")) {
                        text(ex, 405, "405 method not allowed");
                    } else {
                        text(ex, 404, "404 page not found");
                    }
                }
            }
        } catch (BadRequest e) {
            json(ex, 400, obj("error", e.getMessage()));
        } catch (IOException e) {
            aborted.incrementAndGet(); // the client went away mid-answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void tags(HttpExchange ex) throws IOException {
        ArrayNode models = JSON.createArrayNode();
        localModels().forEach(m -> models.add(describe(m, local.get(m))));
        ObjectNode o = JSON.createObjectNode();
        o.set("models", models);
        json(ex, 200, o);
    }

    private void ps(HttpExchange ex) throws IOException {
        ArrayNode models = JSON.createArrayNode();
        Instant now = Instant.now();
        loaded.entrySet().removeIf(e -> e.getValue().isBefore(now));
        loaded.forEach((m, until) -> {
            Long size = local.get(m);
            if (size != null) {
                ObjectNode d = describe(m, size);
                d.remove("modified_at");
                d.put("expires_at", time(until));
                d.put("size_vram", 0);
                models.add(d);
            }
        });
        ObjectNode o = JSON.createObjectNode();
        o.set("models", models);
        json(ex, 200, o);
    }

    private void show(HttpExchange ex, ObjectNode req) throws IOException {
        String model = model(req);
        if (!local.containsKey(model)) {
            json(ex, 404, obj("error", "model '" + asWritten(req) + "' not found"));
            return;
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("modelfile", "# fake model of the test server for Ollama's API\nFROM " + model);
        o.put("parameters", "stop \"<|end|>\"");
        o.put("template", "{{ .System }}\n{{ .Prompt }}");
        o.set("details", describe(model, local.get(model)).get("details"));
        ObjectNode info = JSON.createObjectNode();
        info.put("general.architecture", "fake");
        info.put("fake.embedding_length", dimensions);
        o.set("model_info", info);
        o.put("modified_at", time(Instant.now()));
        json(ex, 200, o);
    }

    private void pull(HttpExchange ex, ObjectNode req) throws IOException, InterruptedException {
        String model = model(req);
        boolean stream = !req.has("stream") || req.get("stream").asBoolean();
        Long size = library.containsKey(model) ? library.get(model) : local.get(model);
        if (!stream) {
            if (size == null) {
                json(ex, 500, obj("error", "pull model manifest: file does not exist"));
                return;
            }
            local.put(model, size);
            json(ex, 200, obj("status", "success"));
            return;
        }
        Ndjson out = new Ndjson(ex);
        out.send(obj("status", "pulling manifest"));
        if (size == null) {
            out.send(obj("error", "pull model manifest: file does not exist"));
            return;
        }
        long[] layers = { Math.max(1, size - 1024), 1024 };
        for (int i = 0; i < layers.length; i++) {
            String digest = "sha256:" + sha256(model + "#" + i);
            for (int c = 0; c <= pullChunks; c++) {
                ObjectNode p = obj("status", "pulling " + digest.substring(7, 19));
                p.put("digest", digest);
                p.put("total", layers[i]);
                if (c > 0) {
                    p.put("completed", layers[i] * c / pullChunks);
                }
                out.send(p);
                Thread.sleep(pullStep.toMillis());
            }
        }
        out.send(obj("status", "verifying sha256 digest"));
        out.send(obj("status", "writing manifest"));
        local.put(model, size);
        out.send(obj("status", "success"));
    }

    private void answer(HttpExchange ex, ObjectNode req, boolean chat) throws IOException, InterruptedException {
        long began = System.nanoTime();
        String model = model(req);
        boolean stream = !req.has("stream") || req.get("stream").asBoolean();
        String prompt;
        int promptTokens;
        if (chat) {
            if (!req.has("messages") || !req.get("messages").isArray()) {
                throw new BadRequest("messages is required");
            }
            prompt = "";
            promptTokens = 0;
            for (JsonNode m : req.get("messages")) {
                String content = m.has("content") ? m.get("content").asText() : "";
                promptTokens += words(content);
                if ("user".equals(m.get("role").asText())) {
                    prompt = content;
                }
            }
        } else {
            prompt = req.has("prompt") ? req.get("prompt").asText() : "";
            promptTokens = words(prompt) + (req.has("system") ? words(req.get("system").asText()) : 0);
        }
        if (!local.containsKey(model)) {
            json(ex, 404, obj("error", "model \"" + asWritten(req) + "\" not found, try pulling it first"));
            return;
        }
        Thread.sleep(loadDelay.toMillis());
        long loadNanos = System.nanoTime() - began;
        loaded.put(model, Instant.now().plus(keepAlive(req)));
        List<String> tokens = tokens(reply.apply(prompt));
        String doneReason = "stop";
        if (req.has("options") && req.get("options").has("num_predict")) {
            int limit = req.get("options").get("num_predict").asInt();
            if (limit >= 0 && limit < tokens.size()) {
                tokens = tokens.subList(0, limit);
                doneReason = "length";
            }
        }
        Ndjson out = stream ? new Ndjson(ex) : null;
        StringBuilder all = new StringBuilder();
        for (String t : tokens) {
            all.append(t);
            if (out != null) {
                ObjectNode chunk = obj("model", asWritten(req));
                chunk.put("created_at", time(Instant.now()));
                content(chunk, chat, t);
                chunk.put("done", false);
                out.send(chunk);
                Thread.sleep(tokenDelay.toMillis());
            }
        }
        ObjectNode last = obj("model", asWritten(req));
        last.put("created_at", time(Instant.now()));
        content(last, chat, out != null ? "" : all.toString());
        last.put("done_reason", doneReason);
        last.put("done", true);
        if (!chat) {
            ArrayNode context = JSON.createArrayNode();
            context.add(1);
            context.add(2);
            context.add(3);
            last.set("context", context);
        }
        long total = System.nanoTime() - began;
        last.put("total_duration", total);
        last.put("load_duration", loadNanos);
        last.put("prompt_eval_count", promptTokens);
        last.put("prompt_eval_duration", 1_000_000L * promptTokens);
        last.put("eval_count", tokens.size());
        last.put("eval_duration", Math.max(0, total - loadNanos));
        if (out != null) {
            out.send(last);
        } else {
            json(ex, 200, last);
        }
    }

    private void embed(HttpExchange ex, ObjectNode req) throws IOException, InterruptedException {
        long began = System.nanoTime();
        String model = model(req);
        List<String> inputs = new ArrayList<>();
        JsonNode in = req.get("input");
        if (in != null && in.isArray()) {
            in.forEach(e -> inputs.add(e.asText()));
        } else if (in != null && in.isValueNode() && !in.isNull()) {
            inputs.add(in.asText());
        }
        if (!local.containsKey(model)) {
            json(ex, 404, obj("error", "model \"" + asWritten(req) + "\" not found, try pulling it first"));
            return;
        }
        Thread.sleep(loadDelay.toMillis());
        long loadNanos = System.nanoTime() - began;
        loaded.put(model, Instant.now().plus(keepAlive(req)));
        ArrayNode embeddings = JSON.createArrayNode();
        int tokens = 0;
        for (String text : inputs) {
            tokens += words(text);
            Random r = new Random(text.hashCode());
            double[] v = new double[dimensions];
            double norm = 0;
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextGaussian();
                norm += v[i] * v[i];
            }
            ArrayNode vec = JSON.createArrayNode();
            for (double x : v) {
                vec.add((float) (x / Math.sqrt(norm)));
            }
            embeddings.add(vec);
        }
        ObjectNode o = obj("model", asWritten(req));
        o.set("embeddings", embeddings);
        o.put("total_duration", System.nanoTime() - began);
        o.put("load_duration", loadNanos);
        o.put("prompt_eval_count", tokens);
        json(ex, 200, o);
    }

    private static void content(ObjectNode o, boolean chat, String text) {
        if (chat) {
            ObjectNode m = obj("role", "assistant");
            m.put("content", text);
            o.set("message", m);
        } else {
            o.put("response", text);
        }
    }

    private static Duration keepAlive(ObjectNode req) {
        JsonNode k = req.get("keep_alive");
        if (k == null) {
            return Duration.ofMinutes(5);
        }
        String s = k.asText().trim();
        Matcher m = Pattern.compile("(-?\\d+)(ms|s|m|h)?").matcher(s);
        if (!m.matches()) {
            return Duration.ofMinutes(5);
        }
        long n = Long.parseLong(m.group(1));
        if (n < 0) {
            return Duration.ofDays(365 * 100); // negative: loaded for good
        }
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** Chunks as a model streams them: a word with the space or newline after it. */
    static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            if (!m.group().isEmpty()) {
                out.add(m.group());
            }
        }
        return out;
    }

    private static int words(String s) {
        String t = s.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    private ObjectNode describe(String name, long size) {
        ObjectNode m = obj("name", name);
        m.put("model", name);
        m.put("modified_at", time(Instant.parse("2026-01-01T00:00:00Z")));
        m.put("size", size);
        m.put("digest", sha256(name));
        ObjectNode d = obj("parent_model", "");
        d.put("format", "gguf");
        d.put("family", "fake");
        ArrayNode families = JSON.createArrayNode();
        families.add("fake");
        d.set("families", families);
        d.put("parameter_size", "1M");
        d.put("quantization_level", "Q4_0");
        m.set("details", d);
        return m;
    }

    private static String model(ObjectNode req) {
        return canonical(asWritten(req));
    }

    private static String asWritten(ObjectNode req) {
        JsonNode m = req.has("model") ? req.get("model") : req.get("name");
        if (m == null || !m.isValueNode() || m.isNull() || m.asText().isBlank()) {
            throw new BadRequest("model is required");
        }
        return m.asText();
    }

    private static ObjectNode body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!(JSON.readTree(s.isBlank() ? "{}" : s) instanceof ObjectNode o)) {
                throw new BadRequest("invalid request body");
            }
            return o;
        } catch (JsonProcessingException e) {
            throw new BadRequest("invalid character in request body: " + e.getMessage());
        }
    }

    private static ObjectNode obj(String key, String value) {
        ObjectNode o = JSON.createObjectNode();
        o.put(key, value);
        return o;
    }

    /** RFC 3339 as Ollama writes it, seconds always present. */
    private static String time(Instant t) {
        return t.toString();
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void json(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    private static void text(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, "HEAD".equals(ex.getRequestMethod()) ? -1 : b.length);
        if (!"HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseBody().write(b);
        }
    }

    /** A streamed answer: one JSON object a line, each flushed as it is written. */
    private static final class Ndjson {
        private final OutputStream out;

        Ndjson(HttpExchange ex) throws IOException {
            ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
            ex.sendResponseHeaders(200, 0);
            this.out = ex.getResponseBody();
        }

        void send(ObjectNode o) throws IOException {
            out.write((JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }
}
