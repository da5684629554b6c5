package io.orchion.runtime.ollama.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExecutionRuntime;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.fakeollama.OllamaApiServer;

/**
 * The Ollama runtime against the in-repo fake of Ollama's documented HTTP API
 * ({@link OllamaApiServer}), over real HTTP on loopback: no real Ollama can be installed here.
 */
class OllamaRuntimeTest {
    OllamaApiServer ollama;
    OllamaRuntime runtime;
    final Sink sink = new Sink();

    /** Everything a run tells the agent, in order. */
    static final class Sink implements LogSink {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<long[]> progress = new CopyOnWriteArrayList<>();
        final List<String> statuses = new CopyOnWriteArrayList<>();
        final java.util.Set<String> activities = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public void line(String stream, String text) {
            lines.add(stream + ": " + text);
        }

        @Override
        public void progress(String activity, long done, long total) {
            activities.add(activity);
            progress.add(new long[] { done, total });
        }

        @Override
        public void status(String message) {
            statuses.add(message);
        }

        List<String> stdout() {
            return lines.stream().filter(l -> l.startsWith("stdout: ")).map(l -> l.substring(8)).toList();
        }
    }

    @BeforeEach
    void startFake() throws Exception {
        ollama = OllamaApiServer.start().withLocalModel("tiny:1b").withLocalModel("embedder");
        // as DS hands it over: the configuration with the component's own properties
        runtime = new OllamaRuntime(Map.of("url", ollama.url(), ExecutionRuntime.NAME, "ollama", "component.id", 7L));
    }

    @AfterEach
    void stopAll() {
        runtime.deactivate();
        ollama.close();
    }

    static RunRequest request(String runId, Map<String, Object> settings, Duration timeout) {
        return new RunRequest(runId, "test", settings, new ResourceRequest(0.1, 1 << 20, 0, 0), List.of(), timeout, null);
    }

    ExitStatus run(Map<String, Object> settings) throws Exception {
        RunHandle h = runtime.start(request("r1", settings, null), sink);
        return h.exit().get(30, TimeUnit.SECONDS);
    }

    @Test
    void generateStreamsTheAnswerToStdoutLineByLineAndStoresTextAndTokenCounts() throws Exception {
        // given a model that answers in many small chunks, a line split across several
        ollama.reply(p -> "first line of the answer\nsecond line about " + p + "\nlast words");

        // when a generate job runs
        ExitStatus exit = run(Map.of("model", "tiny:1b", "prompt", "llamas", "options", Map.of("temperature", 0.0)));

        // then the lines arrive whole and in order, and the result holds the text and the figures
        assertTrue(exit.succeeded(), exit.toString());
        assertEquals(List.of("first line of the answer", "second line about llamas", "last words"), sink.stdout());
        Map<String, Object> r = exit.result();
        assertEquals("first line of the answer\nsecond line about llamas\nlast words", r.get("response"));
        assertEquals("tiny:1b", r.get("model"));
        assertEquals("stop", r.get("done_reason"));
        assertEquals(1L, r.get("prompt_eval_count"));
        assertEquals(11L, r.get("eval_count"), "one token a word, as the fake streams them");
        assertTrue(r.containsKey("total_duration_ms"));
        assertTrue(sink.lines.stream().anyMatch(l -> l.startsWith("orchion: model tiny:1b is present")), sink.lines.toString());
    }

    @Test
    void optionsReachOllamaAsTheyAre() throws Exception {
        ExitStatus exit = run(Map.of("model", "tiny:1b", "prompt", "one two three", "options", Map.of("num_predict", 3.0)));
        assertEquals("length", exit.result().get("done_reason"));
        assertEquals(3L, exit.result().get("eval_count"));
    }

    @Test
    void keepAliveTellsOllamaHowLongToKeepTheModelLoaded() throws Exception {
        assertTrue(run(Map.of("model", "tiny:1b", "prompt", "hi", "keepAlive", 0.0)).succeeded());
        assertEquals(List.of(), ollama.loadedModels(), "0 unloads at once");
        assertTrue(run(Map.of("model", "tiny:1b", "prompt", "hi", "keepAlive", "10m")).succeeded());
        assertEquals(List.of("tiny:1b"), ollama.loadedModels());
    }

    @Test
    void chatSendsTheSystemPromptAndMessagesAndStoresTheAssistantsContent() throws Exception {
        ExitStatus exit = run(Map.of("model", "tiny:1b", "mode", "chat", "system", "be brief", "messages",
                List.of(Map.of("role", "user", "content", "hello there"), Map.of("role", "assistant", "content", "hi"),
                        Map.of("role", "user", "content", "why is the sky blue"))));
        assertTrue(exit.succeeded(), exit.toString());
        assertEquals(OllamaApiServer.defaultReply("why is the sky blue"), exit.result().get("response"));
        assertEquals(List.of(OllamaApiServer.defaultReply("why is the sky blue").split("\n")), sink.stdout());
        assertEquals(10L, exit.result().get("prompt_eval_count"), "words of the system prompt and all messages");
        assertEquals("chat", exit.result().get("mode"));
    }

    @Test
    void embedStoresCountDimensionsAndTheVectorsWhileTheyAreSmall() throws Exception {
        ExitStatus exit = run(Map.of("model", "embedder", "mode", "embed", "input", List.of("a cat", "a dog")));
        assertTrue(exit.succeeded(), exit.toString());
        assertEquals(2, exit.result().get("count"));
        assertEquals(8, exit.result().get("dimensions"));
        @SuppressWarnings("unchecked")
        List<List<Double>> vectors = (List<List<Double>>) exit.result().get("embeddings");
        assertEquals(2, vectors.size());
        assertEquals(8, vectors.get(1).size());
        assertEquals(2, sink.stdout().size(), "one vector a line in the log");

        // and a large answer keeps only its shape in the result
        ollama.embeddingDimensions(5000);
        ExitStatus big = run(Map.of("model", "embedder", "mode", "embed", "input", List.of("x", "y")));
        assertEquals(5000, big.result().get("dimensions"));
        assertEquals(true, big.result().get("embeddings_omitted"));
        assertFalse(big.result().containsKey("embeddings"));
    }

    @Test
    void aMissingModelIsPulledWithProgressBeforeTheRunStarts() throws Exception {
        // given a model that is not present but that the library holds
        ollama = restart(OllamaApiServer.start().withPullableModel("tiny:1b", 50_000_000)
                .pullStep(Duration.ofMillis(30), 4));

        // when a job needs it
        RunHandle h = runtime.start(request("r2", Map.of("model", "tiny:1b", "prompt", "hi"), null), sink);

        // then it is pulled, with progress up to the whole size, and the run then succeeds
        h.started().get(30, TimeUnit.SECONDS);
        assertTrue(ollama.localModels().contains("tiny:1b"));
        assertTrue(h.exit().get(30, TimeUnit.SECONDS).succeeded());
        assertEquals(java.util.Set.of("pull tiny:1b"), sink.activities);
        long[] last = sink.progress.get(sink.progress.size() - 1);
        assertEquals(50_000_000L, last[1]);
        assertEquals(last[1], last[0]);
        for (int i = 1; i < sink.progress.size(); i++) {
            assertTrue(sink.progress.get(i)[0] >= sink.progress.get(i - 1)[0], "progress never goes back");
        }
        assertTrue(sink.statuses.contains("pull tiny:1b: success"), sink.statuses.toString());
        assertTrue(ollama.requests().indexOf("POST /api/pull") < ollama.requests().indexOf("POST /api/generate"));
    }

    @Test
    void stopDuringAPullCancelsItAndTheRunNeverStarts() throws Exception {
        ollama = restart(OllamaApiServer.start().withPullableModel("tiny:1b", 50_000_000)
                .pullStep(Duration.ofMillis(200), 100));
        RunHandle h = runtime.start(request("r11", Map.of("model", "tiny:1b", "prompt", "hi"), null), sink);
        waitFor(() -> !sink.progress.isEmpty(), "the pull to report progress");

        h.stop(Duration.ofSeconds(10));

        assertEquals(new ExitStatus(1, "stopped"), h.exit().get(5, TimeUnit.SECONDS));
        assertThrows(ExecutionException.class, () -> h.started().get(1, TimeUnit.SECONDS));
        waitFor(() -> ollama.abortedStreams() == 1, "the fake to see the pull cancelled");
        assertFalse(ollama.localModels().contains("tiny:1b"));
        assertFalse(ollama.requests().contains("POST /api/generate"));
    }

    @Test
    void aModelTheLibraryDoesNotHoldFailsBeforeStartWithOllamasReason() throws Exception {
        RunHandle h = runtime.start(request("r3", Map.of("model", "no-such-model", "prompt", "hi"), null), sink);

        ExecutionException notStarted = assertThrows(ExecutionException.class, () -> h.started().get(30, TimeUnit.SECONDS));
        String reason = "model 'no-such-model' cannot be pulled from the Ollama library: pull model manifest: file does not exist";
        assertEquals(reason, notStarted.getCause().getMessage());
        assertEquals(new ExitStatus(1, reason), h.exit().get(5, TimeUnit.SECONDS));
        assertFalse(ollama.requests().contains("POST /api/generate"));
    }

    @Test
    void pullNeverRefusesAMissingModel() throws Exception {
        ExitStatus exit = run(Map.of("model", "other", "prompt", "hi", "pull", "never"));
        assertEquals(1, exit.code());
        assertTrue(exit.reason().startsWith("model 'other' is not present on the Ollama at " + ollama.url()), exit.reason());
        assertFalse(ollama.requests().contains("POST /api/pull"));
    }

    @Test
    void anErrorOllamaAnswersReachesTheUserWithItsText() throws Exception {
        ollama.failing("/api/generate", 500, "model requires more system memory (5.6 GiB) than is available (1.2 GiB)");
        ExitStatus exit = run(Map.of("model", "tiny:1b", "prompt", "hi"));
        assertEquals(new ExitStatus(1, "Ollama refused the generate request (HTTP 500): model requires more system memory"
                + " (5.6 GiB) than is available (1.2 GiB)"), exit);
    }

    @Test
    void theFingerprintTellsTheVersionAndModelsOrWhatIsWrong() throws Exception {
        Fingerprint f = runtime.fingerprint();
        assertTrue(f.healthy(), f.detail());
        assertEquals("0.9.0", f.attributes().get("version"));
        assertEquals("embedder:latest,tiny:1b", f.attributes().get("models"));
        assertEquals(ollama.url(), f.attributes().get("url"));

        // when Ollama goes away
        int port = ollama.port();
        ollama.close();
        Fingerprint gone = runtime.fingerprint();
        assertFalse(gone.healthy());
        assertEquals("no Ollama at http://127.0.0.1:" + port + ": connection refused", gone.detail());
    }

    @Test
    void anUnreachableOllamaFailsTheRunWithAClearReason() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        runtime = restartRuntime(Map.of("url", "http://127.0.0.1:" + port));
        RunHandle h = runtime.start(request("r4", Map.of("model", "tiny:1b", "prompt", "hi"), null), sink);
        assertThrows(ExecutionException.class, () -> h.started().get(30, TimeUnit.SECONDS));
        assertEquals(new ExitStatus(1, "no Ollama at http://127.0.0.1:" + port + ": connection refused"),
                h.exit().get(5, TimeUnit.SECONDS));
    }

    @Test
    void stopCancelsTheRequestInFlight() throws Exception {
        // given an answer that takes a long time to stream
        ollama.reply(p -> "a line\n".repeat(1000)).tokenDelay(Duration.ofMillis(20));
        RunHandle h = runtime.start(request("r5", Map.of("model", "tiny:1b", "prompt", "go on"), null), sink);
        h.started().get(30, TimeUnit.SECONDS);
        waitFor(() -> sink.stdout().size() >= 3, "the answer to be streaming");

        // when it is stopped
        h.stop(Duration.ofSeconds(10));

        // then the run ends as stopped, and Ollama sees the client go away
        assertEquals(new ExitStatus(1, "stopped"), h.exit().get(5, TimeUnit.SECONDS));
        waitFor(() -> ollama.abortedStreams() == 1, "the fake to see the request cancelled");
        assertEquals(0, ollama.inFlight());
    }

    @Test
    void stopWhileTheModelLoadsCancelsTheRequest() throws Exception {
        // given a model that takes long to load: Ollama has not answered yet
        ollama.loadDelay(Duration.ofSeconds(2));
        RunHandle h = runtime.start(request("r12", Map.of("model", "tiny:1b", "prompt", "go on"), null), sink);
        h.started().get(30, TimeUnit.SECONDS);
        waitFor(() -> ollama.requests().contains("POST /api/generate"), "the request to reach Ollama");

        h.stop(Duration.ofSeconds(10));

        assertEquals(new ExitStatus(1, "stopped"), h.exit().get(5, TimeUnit.SECONDS));
        waitFor(() -> ollama.abortedStreams() == 1, "the fake to see the request cancelled");
    }

    @Test
    void runsInFlightAreCancelledWhenTheRuntimeGoesAway() throws Exception {
        ollama.reply(p -> "a line\n".repeat(1000)).tokenDelay(Duration.ofMillis(20));
        RunHandle h = runtime.start(request("r13", Map.of("model", "tiny:1b", "prompt", "go on"), null), sink);
        waitFor(() -> sink.stdout().size() >= 3, "the answer to be streaming");

        runtime.deactivate();

        assertEquals(new ExitStatus(1, "stopped: the Ollama runtime is going away"), h.exit().get(5, TimeUnit.SECONDS));
        waitFor(() -> ollama.abortedStreams() == 1, "the fake to see the request cancelled");
    }

    @Test
    void aTimeoutStopsTheRun() throws Exception {
        ollama.reply(p -> "word ".repeat(1000)).tokenDelay(Duration.ofMillis(20));
        RunHandle h = runtime.start(request("r6", Map.of("model", "tiny:1b", "prompt", "go on"), Duration.ofMillis(500)), sink);
        assertEquals(new ExitStatus(1, "timeout"), h.exit().get(10, TimeUnit.SECONDS));
    }

    @Test
    void badSettingsAreRefusedNamingTheField() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> runtime.start(request("r7", Map.of("model", "tiny:1b", "mode", "chat"), null), sink));
        assertEquals("ollama.messages: required for mode chat", e.getMessage());
        e = assertThrows(InvalidArgumentException.class,
                () -> runtime.start(request("r7", Map.of("prompt", "hi", "colour", "blue"), null), sink));
        assertEquals("ollama.colour: unknown field; ollama.model: required, e.g. llama3.2:1b", e.getMessage());
        assertTrue(ollama.requests().isEmpty(), "nothing sent to Ollama");
    }

    @Test
    void badConfigurationIsRefusedNamingTheKeyAndKeepsTheRuntimeUnhealthy() throws Exception {
        Map<String, Object> bad = new HashMap<>(Map.of("url", "ftp://somewhere", "connect.timeout.ms", "soon", "colour", "x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OllamaOptions.parse(bad));
        assertTrue(e.getMessage().contains("unknown key 'colour'"), e.getMessage());
        assertTrue(e.getMessage().contains("url must be an http:// or https:// URL"), e.getMessage());
        assertTrue(e.getMessage().contains("connect.timeout.ms must be a whole number of milliseconds, not 'soon'"));
        assertThrows(IllegalArgumentException.class, () -> OllamaOptions.parse(Map.of("url", "http://h:1/api")));

        runtime = restartRuntime(bad);
        Fingerprint f = runtime.fingerprint();
        assertFalse(f.healthy());
        assertTrue(f.detail().startsWith("configuration io.orchion.runtime.ollama refused: "), f.detail());
        ExitStatus exit = runtime.start(request("r8", Map.of("model", "tiny:1b", "prompt", "hi"), null), sink).exit()
                .get(5, TimeUnit.SECONDS);
        assertEquals(1, exit.code());

        // a good update applies; a bad one after it leaves the good one in force
        runtime.modified(Map.of("url", ollama.url()));
        assertTrue(runtime.fingerprint().healthy());
        runtime.modified(Map.of("url", "nope"));
        assertTrue(runtime.fingerprint().healthy());
        assertEquals(OllamaOptions.DEFAULTS, OllamaOptions.parse(Map.of("service.pid", OllamaOptions.PID)));
    }

    @Test
    void nothingIsRecoveredAfterAnAgentRestart() {
        assertTrue(runtime.recover(request("r9", Map.of("model", "tiny:1b", "prompt", "hi"), null), sink).isEmpty());
        assertNull(runtime.start(request("r10", Map.of("model", "tiny:1b", "prompt", "hi"), null), sink).usage());
    }

    OllamaApiServer restart(OllamaApiServer next) {
        ollama.close();
        runtime = restartRuntime(Map.of("url", next.url()));
        return next;
    }

    OllamaRuntime restartRuntime(Map<String, Object> config) {
        runtime.deactivate();
        return new OllamaRuntime(config);
    }

    static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
