package io.orchion.runtime.vllm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.Fingerprint;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;
import io.orchion.api.runtime.RunUsage;

/** The process launcher with real processes: a fake vllm (Python's http.server) and shell scripts. */
class ServeProcessTest {
    @TempDir
    Path tmp;

    private final List<RunHandle> runs = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (RunHandle h : runs) {
            h.stop(Duration.ZERO);
            h.exit().get(20, TimeUnit.SECONDS);
        }
    }

    private Path fakeVllm() throws IOException {
        Path p = tmp.resolve("fake-vllm");
        if (Files.exists(p)) {
            return p;
        }
        try (InputStream in = getClass().getResourceAsStream("/fake-vllm.py")) {
            Files.copy(in, p);
        }
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private Path script(String name, String body) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static VllmRuntime runtime(Path command, String... more) {
        Map<String, Object> config = new java.util.HashMap<>(Map.of("command", command.toString(), "healthTimeout",
                "30s", "healthInterval", "200ms", "unhealthyThreshold", "2", "stopGrace", "2s"));
        for (int i = 0; i < more.length; i += 2) {
            config.put(more[i], more[i + 1]);
        }
        return new VllmRuntime(config);
    }

    private RunHandle start(VllmRuntime runtime, Map<String, Object> settings, Logs logs, Integer... gpus) {
        RunHandle h = runtime.start(new RunRequest("run-" + runs.size(), "model-server", settings, null, List.of(gpus),
                null, tmp.resolve("state-" + runs.size())), logs);
        runs.add(h);
        return h;
    }

    private static int get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aServerIsRunningOnceHealthAnswersAndItsEndpointAnswers() throws Exception {
        // given a vllm command on this node
        VllmRuntime runtime = runtime(fakeVllm());
        Logs logs = new Logs();

        // when a serve job starts on GPUs 1 and 3
        RunHandle h = start(runtime, Map.of("model", "tiny", "maxModelLen", 512.0), logs, 1, 3);
        h.started().get(30, TimeUnit.SECONDS);

        // then its endpoint answers, it saw only its GPUs, and its output reached the log
        assertTrue(h.endpoint().matches("http://127\\.0\\.0\\.1:\\d+"), h.endpoint());
        assertEquals(200, get(h.endpoint() + "/health"));
        assertEquals(200, get(h.endpoint() + "/v1/models"));
        waitFor(() -> logs.lines().contains("stdout: CUDA_VISIBLE_DEVICES=1,3"), "the server's output");
        assertTrue(logs.lines().stream().anyMatch(l -> l.startsWith("stdout: fake vllm: serve tiny --host 127.0.0.1 --port")
                && l.endsWith("--max-model-len 512")), logs.lines().toString());
        assertTrue(logs.lines().contains("stderr: warming up"), logs.lines().toString());
        RunUsage usage = h.usage();
        assertNotNull(usage);
        assertTrue(usage.memoryBytes() > 0);

        // and a stop ends it with the reason stopped, the server gone
        String endpoint = h.endpoint();
        h.stop(Duration.ofSeconds(5));
        ExitStatus exit = h.exit().get(20, TimeUnit.SECONDS);
        assertEquals("stopped", exit.reason());
        assertThrows(IOException.class, () -> get(endpoint + "/health"));
    }

    @Test
    void aServerThatNeverAnswersFailsToStartAndIsStopped() throws Exception {
        // given a "server" that runs but never listens
        Path pidFile = tmp.resolve("sleeper.pid");
        VllmRuntime runtime = runtime(script("silent", "echo $$ > " + pidFile + "\nexec sleep 60"), "healthTimeout",
                "1s");

        RunHandle h = start(runtime, Map.of("model", "m"), new Logs());

        // then started() fails with a reason naming /health and the time allowed, and the process is gone
        CompletionException e = assertThrows(CompletionException.class, () -> h.started().join());
        assertTrue(e.getCause().getMessage().contains("did not answer /health within 1s"), e.getCause().getMessage());
        ExitStatus exit = h.exit().get(20, TimeUnit.SECONDS);
        assertFalse(exit.succeeded());
        assertTrue(exit.reason().contains("did not answer /health within 1s"), exit.reason());
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        waitFor(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "the sleeper to be gone");
    }

    @Test
    void aServerThatDiesBeforeAnsweringFailsWithItsExitCodeAndLastOutput() throws Exception {
        VllmRuntime runtime = runtime(script("broken", "echo 'loading model' \necho 'CUDA out of memory' >&2\nexit 3"));

        RunHandle h = start(runtime, Map.of("model", "m"), new Logs());

        CompletionException e = assertThrows(CompletionException.class, () -> h.started().join());
        String why = e.getCause().getMessage();
        assertTrue(why.contains("exited with code 3 before answering /health"), why);
        assertTrue(why.contains("CUDA out of memory"), why);
        ExitStatus exit = h.exit().get(20, TimeUnit.SECONDS);
        assertEquals(3, exit.code());
        assertEquals(why, exit.reason());
    }

    @Test
    void aCommandThatIsNotFoundIsRefusedNamingTheSetting() {
        VllmRuntime runtime = runtime(tmp.resolve("no-such-vllm"));

        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> start(runtime, Map.of("model", "m"), new Logs()));

        assertEquals("vllm.command", e.field());
        assertTrue(e.getMessage().contains("no-such-vllm' is not an executable file"), e.getMessage());
    }

    @Test
    void anUnhealthyServerIsStoppedWithTheReasonUnhealthy() throws Exception {
        // given a running server
        Path flag = tmp.resolve("unhealthy");
        VllmRuntime runtime = runtime(fakeVllm());
        Logs logs = new Logs();
        RunHandle h = start(runtime, Map.of("model", "m", "env", Map.of("FAKE_UNHEALTHY", flag.toString())), logs);
        h.started().get(30, TimeUnit.SECONDS);

        // when its /health starts failing
        Files.writeString(flag, "x");

        // then it is reported unhealthy, then stopped with the reason unhealthy
        ExitStatus exit = h.exit().get(30, TimeUnit.SECONDS);
        assertEquals("unhealthy", exit.reason());
        assertTrue(logs.statuses().stream().anyMatch(s -> s.startsWith("unhealthy: /health answered 503 (1 of 2)")),
                logs.statuses().toString());
    }

    @Test
    void aRestartedAgentFindsTheServerAndItsEndpointAgain() throws Exception {
        // given a running server
        VllmRuntime runtime = runtime(fakeVllm());
        RunRequest request = new RunRequest("run-r", "model-server", Map.of("model", "m"), null, List.of(), null,
                tmp.resolve("state-r"));
        RunHandle first = runtime.start(request, new Logs());
        runs.add(first);
        first.started().get(30, TimeUnit.SECONDS);

        // when a new runtime instance (a restarted agent) recovers the run
        Optional<RunHandle> again = runtime(fakeVllm()).recover(request, new Logs());

        // then it finds the same server, its endpoint known, and can stop it
        assertTrue(again.isPresent());
        assertEquals(first.endpoint(), again.get().endpoint());
        again.get().started().get(5, TimeUnit.SECONDS);
        again.get().stop(Duration.ofSeconds(5));
        assertEquals("stopped", again.get().exit().get(20, TimeUnit.SECONDS).reason());
        first.exit().get(20, TimeUnit.SECONDS);
        assertThrows(IOException.class, () -> get(first.endpoint() + "/health"));
    }

    @Test
    void theRuntimeStaysHealthyWithoutALauncherAndSaysSo() throws Exception {
        Fingerprint none = runtime(tmp.resolve("no-such-vllm")).fingerprint();
        Fingerprint process = runtime(fakeVllm()).fingerprint();

        assertTrue(none.healthy());
        assertEquals("none", none.attributes().get("serve"));
        assertTrue(process.healthy());
        assertEquals("process", process.attributes().get("serve"));
        assertEquals(fakeVllm().toString(), process.attributes().get("command"));
    }

    static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
