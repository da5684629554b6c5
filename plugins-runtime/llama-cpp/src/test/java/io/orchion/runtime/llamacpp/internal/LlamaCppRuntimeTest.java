package io.orchion.runtime.llamacpp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.model.CachedModel;
import io.orchion.api.model.ModelFiles;
import io.orchion.api.model.ModelSource;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.LogSink;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;

/**
 * The runtime with real processes: a stand-in llama-server (Python's http.server) and shell scripts
 * for {@code --version}, and model files from a stand-in cache that hands out a file, fails, or
 * holds a download until it is interrupted.
 */
class LlamaCppRuntimeTest {
    @TempDir
    Path tmp;

    private final List<RunHandle> runs = new ArrayList<>();

    /** Every run a test started is stopped, and gone, before the next test. */
    @AfterEach
    void stopEverything() {
        runs.forEach(h -> h.stop(Duration.ZERO));
        runs.forEach(h -> h.exit().orTimeout(20, TimeUnit.SECONDS).join());
    }

    /** Model files as the cache would hand them out; {@link #fetch} does what the test set. */
    static final class Files_ implements ModelFiles {
        volatile Path file;
        volatile ModelFetchException failure;
        final CountDownLatch downloading = new CountDownLatch(1);
        volatile boolean hold;
        volatile boolean interrupted;

        @Override
        public Path fetch(ModelSource source, Progress progress) throws ModelFetchException, InterruptedException {
            progress.update(0, 100);
            downloading.countDown();
            if (hold) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    interrupted = true;
                    throw e;
                }
            }
            if (failure != null) {
                throw failure;
            }
            progress.update(100, 100);
            return file;
        }

        @Override
        public List<CachedModel> cached() {
            return List.of();
        }
    }

    /** A log sink that keeps what it is told. */
    static final class Logs implements LogSink {
        final List<String> lines = new ArrayList<>();
        final List<String> progress = new ArrayList<>();

        @Override
        public synchronized void line(String stream, String text) {
            lines.add(stream + ": " + text);
        }

        @Override
        public synchronized void progress(String activity, long done, long total) {
            progress.add(activity + " " + done + "/" + total);
        }

        @Override
        public synchronized void status(String message) {
            lines.add("status: " + message);
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }
    }

    /** The stand-in llama-server, an executable file in the test's folder. */
    private Path fakeServer() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/fake-llama-server.py")) {
            return executable("llama-server", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** A shell script standing in for a program. */
    private Path script(String name, String body) throws IOException {
        return executable(name, "#!/bin/sh\n" + body + "\n");
    }

    private Path executable(String name, String text) throws IOException {
        Path p = Files.writeString(tmp.resolve(name), text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static LlamaCppRuntime runtime(String command, ModelFiles files) {
        return new LlamaCppRuntime(Options.parse(Map.of("command", command, "healthTimeout", "30s", "healthInterval",
                "200ms", "stopGrace", "2s")), files);
    }

    private RunHandle start(LlamaCppRuntime runtime, Map<String, Object> settings, Logs logs) {
        RunHandle h = runtime.start(request(settings), logs);
        runs.add(h);
        return h;
    }

    private RunRequest request(Map<String, Object> settings) {
        return new RunRequest("run-" + runs.size(), "tiny", settings, null, List.of(), null, tmp.resolve("state-" + runs.size()));
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void theFingerprintSaysWhereLlamaServerIsAndItsVersion() throws Exception {
        // given a llama-server that prints its version on stderr after other lines, as the real one does
        Path server = script("llama-server", "echo 'load_backend: loaded CPU backend' >&2\n"
                + "echo 'version: 4567 (abcdef12)' >&2\necho 'built with cc for x86_64-linux-gnu' >&2");

        // when the node takes the runtime's fingerprint
        Fingerprint f = runtime(server.toString(), new Files_()).fingerprint();

        // then it is healthy with the path and version as attributes
        assertTrue(f.healthy(), f.detail());
        assertEquals(Map.of("path", server.toString(), "version", "4567 (abcdef12)"), f.attributes());
    }

    @Test
    void withoutLlamaServerTheRuntimeIsNotHealthyAndSaysWhy() {
        Fingerprint f = runtime("no-such-llama-server-here", new Files_()).fingerprint();
        assertFalse(f.healthy());
        assertTrue(f.detail().contains("'no-such-llama-server-here' is not found on the PATH of this node"), f.detail());
    }

    @Test
    void aVersionThatHangsOrIsMissingLeavesTheRuntimeHealthyWithoutAVersion() throws Exception {
        // given a binary that never answers --version
        Path hangs = script("hangs", "exec sleep 60");

        // when the fingerprint is taken, the wait is bounded
        long t0 = System.nanoTime();
        Fingerprint f = runtime(hangs.toString(), new Files_()).fingerprint();

        // then it is healthy (it can run), says why the version is unknown, and took about the bound
        assertTrue(f.healthy());
        assertFalse(f.attributes().containsKey("version"));
        assertTrue(f.detail().contains("did not answer within 5s"), f.detail());
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(15)) < 0);
        assertEquals("b1234 (0abc)", ServerVersion.parse("warming up\nversion: b1234 (0abc)\n"));
        assertEquals(null, ServerVersion.parse("usage: llama-server [options]"));
    }

    @Test
    void aRunFetchesItsModelThenServesItUnderItsAliasUntilStopped() throws Exception {
        // given a model in the cache and llama-server on this node
        Files_ files = new Files_();
        files.file = Files.writeString(tmp.resolve("tiny.gguf"), "GGUF");
        Logs logs = new Logs();
        LlamaCppRuntime runtime = runtime(fakeServer().toString(), files);

        // when a job starts with an alias and a context size
        RunHandle h = start(runtime, Map.of("model", "https://files.lan/tiny.gguf", "alias", "tiny-chat",
                "contextSize", 512.0), logs);
        h.started().get(30, TimeUnit.SECONDS);

        // then the server runs on the cached file and answers under the alias at the endpoint
        assertTrue(h.endpoint().matches("http://127\\.0\\.0\\.1:\\d+"), h.endpoint());
        assertTrue(get(h.endpoint() + "/v1/models").startsWith("200 ") && get(h.endpoint() + "/v1/models")
                .contains("\"tiny-chat\""));
        waitFor(() -> logs.lines().stream().anyMatch(l -> l.startsWith("stdout: fake llama-server: -m " + files.file)
                && l.endsWith("--alias tiny-chat -c 512")), "the server's arguments in the log");
        assertTrue(logs.progress.contains("download https://files.lan/tiny.gguf 100/100"), logs.progress.toString());

        // and a stop ends it, the server gone
        String endpoint = h.endpoint();
        h.stop(Duration.ofSeconds(5));
        assertEquals("stopped", h.exit().get(20, TimeUnit.SECONDS).reason());
        assertThrows(IOException.class, () -> get(endpoint + "/health"));
    }

    @Test
    void aModelThatCannotBeFetchedFailsTheStartWithTheCachesReason() throws Exception {
        // given a download whose checksum differs
        Files_ files = new Files_();
        files.failure = new ModelFiles.ModelFetchException("the file at https://files.lan/x.gguf has SHA-256 aa, not the bb given");

        // when the job starts
        RunHandle h = start(runtime(fakeServer().toString(), files), Map.of("model", "https://files.lan/x.gguf"), new Logs());

        // then it fails to start, naming the model and the mismatch
        CompletionException e = assertThrows(CompletionException.class, () -> h.started().join());
        assertTrue(e.getCause().getMessage().startsWith("llamaCpp.model: cannot fetch https://files.lan/x.gguf: "
                + "the file at https://files.lan/x.gguf has SHA-256 aa, not the bb given"), e.getCause().getMessage());
        assertEquals(-1, h.exit().get(5, TimeUnit.SECONDS).code());
    }

    @Test
    void aStopDuringTheDownloadInterruptsIt() throws Exception {
        // given a download that takes long
        Files_ files = new Files_();
        files.hold = true;
        RunHandle h = start(runtime(fakeServer().toString(), files), Map.of("model", "https://files.lan/big.gguf"),
                new Logs());
        assertTrue(files.downloading.await(10, TimeUnit.SECONDS));

        // when the job is cancelled
        h.stop(Duration.ofSeconds(1));

        // then the download is interrupted and the run ends as stopped, never started
        ExitStatus exit = h.exit().get(10, TimeUnit.SECONDS);
        assertEquals("stopped", exit.reason());
        assertTrue(files.interrupted);
        assertTrue(h.started().isCompletedExceptionally());
        assertEquals(null, h.endpoint());
    }

    @Test
    void aCommandThatIsNotOnThisNodeIsRefusedNamingIt() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> runtime("no-such-llama-server-here", new Files_()).start(request(Map.of("model", "/m.gguf")),
                        new Logs()));
        assertEquals("llama-cpp.command", e.field());
        assertTrue(e.getMessage().contains("io.orchion.runtime.llamacpp.cfg"), e.getMessage());
    }

    @Test
    void aRestartedAgentFindsTheSameServerAgain() throws Exception {
        // given a running server
        Files_ files = new Files_();
        files.file = Files.writeString(tmp.resolve("tiny.gguf"), "GGUF");
        RunHandle first = start(runtime(fakeServer().toString(), files), Map.of("model", "/srv/tiny.gguf"), new Logs());
        first.started().get(30, TimeUnit.SECONDS);

        // when a new runtime (a restarted agent) recovers the run from its state folder
        Map<String, Object> settings = new HashMap<>(Map.of("model", "/srv/tiny.gguf"));
        RunRequest same = new RunRequest("run-0", "tiny", settings, null, List.of(), null, tmp.resolve("state-0"));
        Optional<RunHandle> again = runtime(fakeServer().toString(), files).recover(same, new Logs());

        // then it is the same server at the same endpoint, running
        assertTrue(again.isPresent());
        runs.add(again.get());
        assertTrue(again.get().started().isDone() || again.get().started().get(5, TimeUnit.SECONDS) == null);
        assertEquals(first.endpoint(), again.get().endpoint());
        assertTrue(get(again.get().endpoint() + "/health").startsWith("200"));
        // and a run with no server recorded (its agent stopped during the download) is not found
        assertTrue(runtime(fakeServer().toString(), files)
                .recover(new RunRequest("run-9", "tiny", settings, null, List.of(), null, tmp.resolve("none")), new Logs())
                .isEmpty());
    }
}
