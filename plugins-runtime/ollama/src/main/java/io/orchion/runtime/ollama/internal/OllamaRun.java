package io.orchion.runtime.ollama.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.LogSink;
import io.orchion.runtime.support.AbstractRun;
import io.orchion.runtime.support.LineSplitter;
import io.orchion.runtime.support.PullProgress;
import io.orchion.runtime.ollama.internal.OllamaClient.Call;
import io.orchion.runtime.ollama.internal.OllamaClient.OllamaException;

/**
 * One job against Ollama, on a thread of its own: make sure the model is present (pulling it, with
 * progress, when missing), then send the generate, chat or embed request and stream the answer to
 * the job's stdout line by line. Stopping it cancels the request in flight.
 */
final class OllamaRun extends AbstractRun implements Runnable {
    /** The longest answer text kept in the job's result (the whole text is in its log). */
    static final int MAX_RESULT_CHARS = 64 * 1024;
    /** The most embedding numbers kept in the job's result: 64 KiB as 8-byte doubles. */
    static final int MAX_RESULT_NUMBERS = 8 * 1024;
    private static final Duration PROGRESS_EVERY = Duration.ofMillis(250);

    private final OllamaJob job;
    private final OllamaClient client;
    private final LogSink logs;
    private final ScheduledExecutorService timers;
    private final AtomicReference<Call> call = new AtomicReference<>(new Call());
    private volatile Thread worker;

    OllamaRun(String runId, OllamaJob job, OllamaClient client, LogSink logs, ScheduledExecutorService timers) {
        super(runId);
        this.job = job;
        this.client = client;
        this.logs = logs;
        this.timers = timers;
    }

    @Override
    public void run() {
        worker = Thread.currentThread();
        try {
            if (stopReason() != null) {
                throw new OllamaException(0, "request cancelled");
            }
            ensureModel();
            logs.line("orchion", job.mode() + " with model " + job.model() + " on the Ollama at " + client.url());
            logs.status("running " + job.mode() + " on " + job.model());
            markStarted();
            Map<String, Object> result = switch (job.mode()) {
                case "chat" -> answer("/api/chat", chatBody(), true);
                case "embed" -> embed();
                default -> answer("/api/generate", generateBody(), false);
            };
            complete(new ExitStatus(0, "exited", result));
        } catch (OllamaException e) {
            fail(e.getMessage());
        } catch (InterruptedException e) {
            fail("interrupted: the Ollama runtime is going away");
        } catch (RuntimeException e) {
            fail("the Ollama runtime failed: " + e);
        } finally {
            worker = null;
        }
    }

    // --- the model ----------------------------------------------------------------------------

    private void ensureModel() throws OllamaException, InterruptedException {
        Set<String> present = models(client.get("/api/tags", client.options().requestTimeout()));
        if (present.contains(canonical(job.model()))) {
            logs.line("orchion", "model " + job.model() + " is present on the Ollama at " + client.url());
            return;
        }
        if (!job.pull()) {
            throw new OllamaException(0, "model '" + job.model() + "' is not present on the Ollama at " + client.url()
                    + " and the job says pull: never");
        }
        logs.line("orchion", "pulling model " + job.model() + " into the Ollama at " + client.url());
        logs.status("pulling model " + job.model());
        String activity = "pull " + job.model();
        PullProgress progress = new PullProgress(activity, logs, PROGRESS_EVERY);
        boolean[] success = { false };
        ObjectNode body = OllamaClient.object();
        body.put("model", job.model());
        try {
            client.stream("/api/pull", body, call.get(), o -> {
                String status = OllamaClient.text(o.get("status"));
                if (o.has("digest") && o.has("total")) {
                    long total = o.get("total").asLong();
                    long done = o.has("completed") ? o.get("completed").asLong() : 0;
                    progress.layer(OllamaClient.text(o.get("digest")), done, total);
                } else if (!status.isEmpty()) {
                    logs.status(activity + ": " + status);
                    success[0] |= status.equals("success");
                }
            });
        } catch (OllamaException e) {
            if (stopReason() != null || e.getMessage().startsWith("no Ollama at ")) {
                throw e;
            }
            throw new OllamaException(e.status(), "model '" + job.model() + "' cannot be pulled from the Ollama library: "
                    + e.getMessage());
        }
        if (!success[0]) {
            throw new OllamaException(0, "the pull of model '" + job.model() + "' ended before Ollama reported success");
        }
        logs.line("orchion", "model " + job.model() + " pulled (" + mib(progress.totalBytes()) + ")");
    }

    static Set<String> models(ObjectNode tags) {
        Set<String> names = new TreeSet<>();
        if (tags.get("models") instanceof ArrayNode a) {
            for (JsonNode m : a) {
                if (m.isObject()) {
                    JsonNode n = m.has("name") ? m.get("name") : m.get("model");
                    if (n != null && !n.isNull()) {
                        names.add(canonical(n.asText()));
                    }
                }
            }
        }
        return names;
    }

    /** Ollama's rule: a model name without a tag means {@code :latest}. */
    static String canonical(String name) {
        int slash = name.lastIndexOf('/');
        return name.indexOf(':', slash + 1) < 0 ? name + ":latest" : name;
    }

    // --- the request --------------------------------------------------------------------------

    private ObjectNode common() {
        ObjectNode b = OllamaClient.object();
        b.put("model", job.model());
        if (!job.options().isEmpty()) {
            b.set("options", OllamaClient.json(job.options()));
        }
        if (job.keepAlive() != null) {
            b.set("keep_alive", OllamaClient.json(job.keepAlive()));
        }
        return b;
    }

    private ObjectNode generateBody() {
        ObjectNode b = common();
        b.put("prompt", job.prompt());
        if (job.system() != null) {
            b.put("system", job.system());
        }
        b.put("stream", true);
        return b;
    }

    private ObjectNode chatBody() {
        ObjectNode b = common();
        List<Object> messages = new ArrayList<>();
        if (job.system() != null) {
            messages.add(Map.of("role", "system", "content", job.system()));
        }
        messages.addAll(job.messages());
        b.set("messages", OllamaClient.json(messages));
        b.put("stream", true);
        return b;
    }

    /** A streamed generate or chat: text to stdout line by line, the final object's figures kept. */
    private Map<String, Object> answer(String path, ObjectNode body, boolean chat)
            throws OllamaException, InterruptedException {
        LineSplitter lines = new LineSplitter(line -> logs.line("stdout", line));
        StringBuilder kept = new StringBuilder();
        boolean[] truncated = { false };
        ObjectNode[] last = { null };
        try {
            client.stream(path, body, call.get(), o -> {
                String piece = chat ? (o.get("message") instanceof ObjectNode m ? OllamaClient.text(m.get("content")) : "")
                        : OllamaClient.text(o.get("response"));
                if (kept.length() + piece.length() <= MAX_RESULT_CHARS) {
                    kept.append(piece);
                } else {
                    kept.append(piece, 0, Math.max(0, MAX_RESULT_CHARS - kept.length()));
                    truncated[0] = true;
                }
                lines.write(piece);
                if (o.has("done") && o.get("done").asBoolean()) {
                    last[0] = o;
                }
            });
        } catch (OllamaException e) {
            lines.flush();
            throw refused(e, chat ? "chat" : "generate");
        }
        lines.flush();
        if (last[0] == null) {
            throw new OllamaException(0, "Ollama ended the " + job.mode() + " answer before it was done");
        }
        ObjectNode f = last[0];
        Map<String, Object> result = new HashMap<>();
        result.put("mode", job.mode());
        result.put("model", f.has("model") ? OllamaClient.text(f.get("model")) : job.model());
        result.put("response", kept.toString());
        if (truncated[0]) {
            result.put("response_truncated", true);
        }
        if (f.has("done_reason")) {
            result.put("done_reason", OllamaClient.text(f.get("done_reason")));
        }
        count(f, "prompt_eval_count", result);
        count(f, "eval_count", result);
        millis(f, "total_duration", result);
        millis(f, "load_duration", result);
        millis(f, "prompt_eval_duration", result);
        millis(f, "eval_duration", result);
        logs.line("orchion", job.mode() + " done: " + result.getOrDefault("eval_count", "?") + " tokens ("
                + result.getOrDefault("done_reason", "done") + ")");
        return result;
    }

    private Map<String, Object> embed() throws OllamaException, InterruptedException {
        ObjectNode body = common();
        body.set("input", OllamaClient.json(job.input()));
        ObjectNode f;
        try {
            f = client.post("/api/embed", body, call.get());
        } catch (OllamaException e) {
            throw refused(e, "embed");
        }
        List<List<Double>> vectors = new ArrayList<>();
        if (f.get("embeddings") instanceof ArrayNode all) {
            for (JsonNode v : all) {
                List<Double> vec = new ArrayList<>();
                if (v.isArray()) {
                    v.forEach(x -> vec.add(x.asDouble()));
                }
                vectors.add(vec);
                logs.line("stdout", v.toString());
            }
        }
        int dims = vectors.isEmpty() ? 0 : vectors.get(0).size();
        Map<String, Object> result = new HashMap<>();
        result.put("mode", "embed");
        result.put("model", f.has("model") ? OllamaClient.text(f.get("model")) : job.model());
        result.put("count", vectors.size());
        result.put("dimensions", dims);
        long numbers = vectors.stream().mapToLong(List::size).sum();
        if (numbers <= MAX_RESULT_NUMBERS) {
            result.put("embeddings", vectors);
        } else {
            result.put("embeddings_omitted", true);
        }
        count(f, "prompt_eval_count", result);
        millis(f, "total_duration", result);
        millis(f, "load_duration", result);
        logs.line("orchion", "embed done: " + vectors.size() + " vector(s) of " + dims + " dimensions");
        return result;
    }

    private OllamaException refused(OllamaException e, String what) {
        if (stopReason() != null || e.status() == 0) {
            return e;
        }
        if (e.status() == 200) {
            return new OllamaException(200, "Ollama failed during " + what + ": " + e.getMessage());
        }
        return new OllamaException(e.status(), "Ollama refused the " + what + " request (HTTP " + e.status() + "): "
                + e.getMessage());
    }

    private static void count(ObjectNode f, String key, Map<String, Object> result) {
        if (OllamaClient.hasValue(f, key)) {
            result.put(key, f.get(key).asLong());
        }
    }

    /** Ollama's durations are nanoseconds; the result keeps milliseconds ({@code total_duration_ms}). */
    private static void millis(ObjectNode f, String key, Map<String, Object> result) {
        if (OllamaClient.hasValue(f, key)) {
            result.put(key + "_ms", f.get(key).asLong() / 1_000_000);
        }
    }

    private static String mib(long bytes) {
        return bytes >= 1 << 20 ? String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0) : bytes + " bytes";
    }

    // --- ending -------------------------------------------------------------------------------

    private void fail(String reason) {
        String stop = stopReason();
        if (stop != null) {
            complete(new ExitStatus(1, stop));
            return;
        }
        logs.line("orchion", reason);
        logs.status(reason);
        complete(new ExitStatus(1, reason));
    }

    @Override
    public void stopBecause(String reason, Duration grace) {
        if (exit().isDone() || !recordStop(reason)) {
            return;
        }
        call.get().cancel();
        Thread t = worker;
        if (t != null) {
            t.interrupt();
        }
        // the worker ends the run as soon as the request is cancelled; this is the backstop
        try {
            timers.schedule(() -> complete(new ExitStatus(1, reason)), Math.max(0, grace.toMillis()),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            complete(new ExitStatus(1, reason)); // the runtime is going away
        }
    }
}
