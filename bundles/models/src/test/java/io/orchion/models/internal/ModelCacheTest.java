package io.orchion.models.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.api.model.CachedModel;
import io.orchion.api.model.ModelFiles.ModelFetchException;
import io.orchion.api.model.ModelSource;

/** The model cache against a real HTTP server on loopback that misbehaves as servers do. */
class ModelCacheTest {
    static final byte[] MODEL = new byte[3 * 1024 * 1024 + 17];
    static {
        new Random(42).nextBytes(MODEL);
    }

    @TempDir
    Path tmp;
    FileServer server;
    ModelCache cache;

    @BeforeEach
    void start() throws IOException {
        server = new FileServer();
        server.put("/models/tiny.gguf", MODEL);
        cache = cache(Duration.ofSeconds(2), 0);
    }

    ModelCache cache(Duration stall, long reserve) {
        return new ModelCache(new ModelCache.Settings(tmp.resolve("models"), java.net.URI.create(server.url("/hf")),
                stall, reserve));
    }

    @AfterEach
    void stop() {
        cache.close();
        server.close();
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    ModelSource url(String sha) {
        return ModelSource.parse(server.url("/models/tiny.gguf"), sha);
    }

    /** Every file under the cache folder, as paths relative to it. */
    List<String> files() throws IOException {
        if (!Files.exists(tmp.resolve("models"))) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(tmp.resolve("models"))) {
            return s.filter(Files::isRegularFile).map(p -> tmp.resolve("models").relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void aUrlIsDownloadedOnceWithItsSizeAndChecksumRecorded() throws Exception {
        // given a model on a server
        List<long[]> progress = new ArrayList<>();

        // when it is fetched twice
        Path first = cache.fetch(url(null), (done, total) -> progress.add(new long[] { done, total }));
        Path second = cache.fetch(url(null), null);

        // then one download brought the whole file, named as on the server, and the second fetch found it
        assertEquals(first, second);
        assertEquals("tiny.gguf", first.getFileName().toString());
        assertArrayEquals(MODEL, Files.readAllBytes(first));
        assertEquals(1, server.bodies.get(), server.requests.toString());
        assertFalse(progress.isEmpty());
        assertArrayEquals(new long[] { MODEL.length, MODEL.length }, progress.get(progress.size() - 1));
        assertTrue(progress.stream().allMatch(p -> p[1] == MODEL.length && p[0] <= MODEL.length));
        // and the cache says what it holds
        List<CachedModel> cached = cache.cached();
        assertEquals(1, cached.size(), cached.toString());
        assertEquals(server.url("/models/tiny.gguf"), cached.get(0).source());
        assertEquals(MODEL.length, cached.get(0).bytes());
        assertEquals(sha256(MODEL), cached.get(0).sha256());
        assertEquals(first, cached.get(0).file());
        // and no partial file is left beside it
        assertTrue(files().stream().noneMatch(f -> f.endsWith(ModelCache.PART)), files().toString());
        // and the folder is the owner's only
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions
                .toString(Files.getPosixFilePermissions(first.getParent())));
    }

    @Test
    void aDownloadThatBreaksOffResumesWhereItStopped() throws Exception {
        // given a server that breaks the connection a megabyte in
        server.faults.breakAfter = 1 << 20;

        // when the first fetch fails, then a second one is made
        ModelFetchException broken = assertThrows(ModelFetchException.class, () -> cache.fetch(url(sha256(MODEL)), null));
        assertTrue(broken.getMessage().contains("what arrived is kept and the next try resumes"), broken.getMessage());
        List<String> parts = files().stream().filter(f -> f.endsWith(ModelCache.PART)).toList();
        assertEquals(1, parts.size(), files().toString());
        long kept = Files.size(tmp.resolve("models").resolve(parts.get(0)));
        assertTrue(kept > 0 && kept <= 1 << 20, "kept " + kept);
        Path file = cache.fetch(url(sha256(MODEL)), null);

        // then the second asked only for the rest, and the whole file is right (its checksum included the kept part)
        assertEquals("GET /models/tiny.gguf bytes=" + kept + "-", server.requests.get(1));
        assertArrayEquals(MODEL, Files.readAllBytes(file));
    }

    @Test
    void aServerIgnoringTheRangeSendsTheWholeFileAgain() throws Exception {
        server.faults.breakAfter = 1 << 20;
        assertThrows(ModelFetchException.class, () -> cache.fetch(url(null), null));
        server.faults.ignoreRange = true;
        Path file = cache.fetch(url(sha256(MODEL)), null);
        assertTrue(server.requests.get(1).endsWith(" bytes=" + (1 << 20) + "-") || server.requests.get(1).contains("bytes="),
                server.requests.toString());
        assertArrayEquals(MODEL, Files.readAllBytes(file));
    }

    @Test
    void aFileWithAnotherChecksumIsRemovedAndBothSumsAreSaid() throws Exception {
        String wrong = "0".repeat(64);
        ModelFetchException e = assertThrows(ModelFetchException.class, () -> cache.fetch(url(wrong), null));
        assertTrue(e.getMessage().contains("has SHA-256 " + sha256(MODEL) + ", not the " + wrong + " given"), e.getMessage());
        assertTrue(e.getMessage().contains("removed"), e.getMessage());
        assertEquals(List.of(), files(), "nothing of it is kept");
        assertEquals(List.of(), cache.cached());
    }

    @Test
    void askingForAnotherChecksumThanTheCachedFilesFetchesAgain() throws Exception {
        // given a cached file, and the file upstream changed since
        cache.fetch(url(null), null);
        byte[] changed = MODEL.clone();
        changed[0] ^= 1;
        server.put("/models/tiny.gguf", changed);

        // when it is asked for with the new file's checksum
        Path file = cache.fetch(url(sha256(changed)), null);

        // then it was downloaded again
        assertEquals(2, server.bodies.get());
        assertArrayEquals(changed, Files.readAllBytes(file));
        assertEquals(sha256(changed), cache.cached().get(0).sha256());
    }

    @Test
    void aServerThatStallsIsGivenUpOnAndWhatArrivedIsKept() throws Exception {
        server.faults.stallAfter = 256 * 1024;
        long start = System.nanoTime();
        ModelFetchException e = assertThrows(ModelFetchException.class, () -> cache.fetch(url(null), null));
        long took = System.nanoTime() - start;
        assertTrue(e.getMessage().startsWith("127.0.0.1 sent nothing for 2 s"), e.getMessage());
        assertTrue(took < TimeUnit.SECONDS.toNanos(15), "gave up after " + took / 1_000_000 + " ms");
        assertTrue(files().stream().anyMatch(f -> f.endsWith(ModelCache.PART)), files().toString());
    }

    @Test
    void aSizeTheServerDoesNotAnnounceIsFollowedToTheEnd() throws Exception {
        server.faults.noLength = true;
        List<Long> totals = new ArrayList<>();
        Path file = cache.fetch(url(sha256(MODEL)), (done, total) -> totals.add(total));
        assertArrayEquals(MODEL, Files.readAllBytes(file));
        assertTrue(totals.contains(-1L), totals.toString());
    }

    @Test
    void interruptingTheCallerStopsTheDownloadAndKeepsWhatArrived() throws Exception {
        // given a slow server
        server.faults.trickleMillis = 100;
        AtomicReference<Thread> caller = new AtomicReference<>();
        CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> {
            caller.set(Thread.currentThread());
            try {
                return cache.fetch(url(null), null);
            } catch (Exception e) {
                return e;
            }
        });
        // when some has arrived, the caller is interrupted
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (files().stream().noneMatch(p -> p.endsWith(ModelCache.PART)) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        caller.get().interrupt();

        // then it stops with InterruptedException, and the part stays for a resume
        Object result = f.get(10, TimeUnit.SECONDS);
        assertTrue(result instanceof InterruptedException, String.valueOf(result));
        assertTrue(files().stream().anyMatch(p -> p.endsWith(ModelCache.PART)), files().toString());
    }

    @Test
    void closingTheCacheStopsADownloadUnderWay() throws Exception {
        server.faults.trickleMillis = 100;
        CompletableFuture<Path> f = CompletableFuture.supplyAsync(() -> {
            try {
                return cache.fetch(url(null), null);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (files().stream().noneMatch(p -> p.endsWith(ModelCache.PART)) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        cache.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof ModelFetchException, String.valueOf(e.getCause()));
        assertTrue(e.getCause().getMessage().startsWith("the node's model cache stopped"), e.getCause().getMessage());
    }

    @Test
    void twoCallersFetchingOneModelShareOneDownload() throws Exception {
        server.faults.trickleMillis = 5;
        CompletableFuture<Path> a = CompletableFuture.supplyAsync(() -> fetchUnchecked(url(null)));
        CompletableFuture<Path> b = CompletableFuture.supplyAsync(() -> fetchUnchecked(url(null)));
        assertEquals(a.get(30, TimeUnit.SECONDS), b.get(30, TimeUnit.SECONDS));
        assertEquals(1, server.bodies.get(), server.requests.toString());
    }

    private Path fetchUnchecked(ModelSource s) {
        try {
            return cache.fetch(s, null);
        } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    @Test
    void serverAnswersAndUnreachableServersAreSaidPlainly() throws Exception {
        ModelFetchException missing = assertThrows(ModelFetchException.class,
                () -> cache.fetch(ModelSource.parse(server.url("/models/nope.gguf"), null), null));
        assertEquals(server.url("/models/nope.gguf") + " answered HTTP 404 (no such file)", missing.getMessage());
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        ModelFetchException refused = assertThrows(ModelFetchException.class,
                () -> cache.fetch(ModelSource.parse("http://127.0.0.1:" + closed + "/m.gguf", null), null));
        assertEquals("cannot reach 127.0.0.1: connection refused", refused.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void aModelThatWouldEatTheReserveIsRefusedBeforeItIsDownloaded() throws Exception {
        cache.close();
        cache = cache(Duration.ofSeconds(2), Long.MAX_VALUE / 2);
        ModelFetchException e = assertThrows(ModelFetchException.class, () -> cache.fetch(url(null), null));
        assertTrue(e.getMessage().startsWith("the model from 127.0.0.1 needs " + MODEL.length + " bytes more and the disk has"),
                e.getMessage());
        assertTrue(files().stream().allMatch(f -> !f.endsWith("tiny.gguf")), files().toString());
    }

    @Test
    void aHuggingFaceReferenceIsResolvedAgainstTheEndpointAndItsRedirectFollowed() throws Exception {
        // given a mirror that redirects a repository's file to its storage, as huggingface.co does
        server.redirect("/hf/acme/tiny-llm/resolve/v1.0/weights/tiny%20q4.gguf", "/storage/abc");
        server.put("/storage/abc", MODEL);

        // when the reference is fetched
        Path file = cache.fetch(ModelSource.parse("hf:acme/tiny-llm/weights/tiny q4.gguf@v1.0", null), null);

        // then the file came through the redirect, and is listed under the reference
        assertArrayEquals(MODEL, Files.readAllBytes(file));
        assertEquals("GET /hf/acme/tiny-llm/resolve/v1.0/weights/tiny%20q4.gguf", server.requests.get(0));
        assertEquals("tiny_q4.gguf", file.getFileName().toString());
        assertEquals("hf:acme/tiny-llm/weights/tiny q4.gguf@v1.0", cache.cached().get(0).source());
    }

    @Test
    void aPathOnTheNodeIsUsedWhereItIsAndCheckedWhenASumIsGiven() throws Exception {
        Path own = Files.write(tmp.resolve("own.gguf"), MODEL);
        assertEquals(own, cache.fetch(ModelSource.parse(own.toString(), sha256(MODEL)), null));
        ModelFetchException bad = assertThrows(ModelFetchException.class,
                () -> cache.fetch(ModelSource.parse(own.toString(), "f".repeat(64)), null));
        assertEquals("model file " + own + " has SHA-256 " + sha256(MODEL) + ", not the " + "f".repeat(64) + " given",
                bad.getMessage());
        assertTrue(Files.exists(own), "the operator's own file is never removed");
        ModelFetchException missing = assertThrows(ModelFetchException.class,
                () -> cache.fetch(ModelSource.parse(tmp.resolve("gone.gguf").toString(), null), null));
        assertEquals("model file " + tmp.resolve("gone.gguf") + " does not exist on this node", missing.getMessage());
        ModelFetchException folder = assertThrows(ModelFetchException.class,
                () -> cache.fetch(ModelSource.parse(tmp.toString(), null), null));
        assertEquals("model file " + tmp + " is not a regular file", folder.getMessage());
        assertEquals(0, server.requests.size());
    }

    @Test
    void anOllamaTagIsLeftToTheOllamaRuntime() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cache.fetch(ModelSource.parse("ollama:llama3.2:1b", null), null));
        assertEquals("ollama:llama3.2:1b is an Ollama tag: the ollama runtime pulls it", e.getMessage());
    }

    @Test
    void fileNamesFromUrlsAreSafe() {
        assertEquals("tiny.gguf", ModelCache.fileName(java.net.URI.create("http://h/a/tiny.gguf?x=1")));
        assertEquals("model", ModelCache.fileName(java.net.URI.create("http://h/")));
        assertEquals("model", ModelCache.fileName(java.net.URI.create("http://h")));
        assertEquals("model", ModelCache.fileName(java.net.URI.create("http://h/..")));
        assertEquals("model", ModelCache.fileName(java.net.URI.create("http://h/model.properties")));
        assertEquals("model", ModelCache.fileName(java.net.URI.create("http://h/x.part")));
        assertEquals("a_b_c.gguf", ModelCache.fileName(java.net.URI.create("http://h/a%2Fb%20c.gguf")));
        assertEquals(128, ModelCache.fileName(java.net.URI.create("http://h/" + "x".repeat(300) + ".gguf")).length());
    }
}
