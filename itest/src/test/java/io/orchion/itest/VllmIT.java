package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vLLM runtime end to end on an all-in-one instance, against a real OpenAI-compatible server:
 * llama.cpp's llama-server serving a tiny random-weight model, started through a {@code vllm serve}
 * stand-in (itest/llama/vllm) exactly as vLLM would be. The model's output is gibberish, so only
 * structure is asserted. Needs the llama build, which the itest module makes first (see docs/runtime-vllm.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VllmIT {
    @TempDir
    static Path root;
    Instance up;
    Path model;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        model = Llama.model(root);
        up = Instance.up(root, "up");
        Llama.configure(up);
        startUp();
    }

    /** Starts the instance and waits until its node offers the vllm runtime. */
    void startUp() throws Exception {
        up.start();
        awaitBody("/api/nodes", "\"vllm\"", "the node to offer the vllm runtime");
    }

    @AfterAll
    void stop() throws Exception {
        if (up != null) {
            up.close();
        }
        // nothing of ours may outlive the test
        servers().forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void aServeJobAnswersAtItsRecordedEndpointAndCancelEndsTheServer() throws Exception {
        // given a serve job
        String id = submit(serve("tiny-llm", 0));

        // when it is RUNNING, its endpoint is recorded on the job and answers as an OpenAI server
        awaitBody("/api/jobs/" + id, "\"state\":\"RUNNING\"", "the serve job to run");
        String endpoint = awaitField(id, "endpoint");
        assertTrue(endpoint.matches("http://127\\.0\\.0\\.1:\\d+"), endpoint);
        assertEquals(200, get(endpoint + "/health").statusCode());
        HttpResponse<String> models = get(endpoint + "/v1/models");
        assertEquals(200, models.statusCode());
        assertTrue(models.body().contains("\"data\""), models.body());
        assertEquals(1, servers().count(), "one llama-server for the job");

        // then cancelling it ends the server process
        assertEquals(200, send("DELETE", "/api/jobs/" + id, null).statusCode());
        awaitBody("/api/jobs/" + id, "\"state\":\"CANCELLED\"", "the cancel to settle");
        Instance.await(Duration.ofSeconds(20), () -> servers().findAny().isEmpty(), () -> "llama-server to be gone");
    }

    @Test
    void aCompletionJobNamingTheServerSucceedsWithTokenCounts() throws Exception {
        // given a running server
        String server = submit(serve("chat-llm", 0));
        awaitBody("/api/jobs/" + server, "\"state\":\"RUNNING\"", "the serve job to run");
        try {
            // when a completion job names it
            String job = submit("""
                    {"name": "ask", "runtime": "vllm",
                     "vllm": {"mode": "complete", "server": "chat-llm", "prompt": "Hello", "maxTokens": 8}}""");

            // then it succeeds with the answer's structure in its result
            awaitBody("/api/jobs/" + job, "\"state\":\"SUCCEEDED\"", "the completion to succeed");
            String body = send("GET", "/api/jobs/" + job, null).body();
            assertTrue(Pattern.compile("\"prompt_tokens\":\\s*[1-9]").matcher(body).find(), body);
            assertTrue(Pattern.compile("\"completion_tokens\":\\s*[1-9]").matcher(body).find(), body);
            assertTrue(body.contains("\"finish_reason\""), body);

            // and a chat completion against the endpoint itself works too
            String endpoint = awaitField(server, "endpoint");
            String chat = submit("{\"name\": \"chat\", \"runtime\": \"vllm\", \"vllm\": {\"mode\": \"complete\", \"endpoint\": \""
                    + endpoint + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"maxTokens\": 4}}");
            awaitBody("/api/jobs/" + chat, "\"state\":\"SUCCEEDED\"", "the chat completion to succeed");
        } finally {
            send("DELETE", "/api/jobs/" + server, null);
            awaitBody("/api/jobs/" + server, "\"state\":\"CANCELLED\"", "the cancel to settle");
        }
    }

    @Test
    void aKilledServerIsRestartedByItsPolicyAndFailsWithoutOne() throws Exception {
        // given a server allowed one restart
        String id = submit(serve("phoenix", 1));
        awaitBody("/api/jobs/" + id, "\"state\":\"RUNNING\"", "the serve job to run");
        ProcessHandle first = await1Server("phoenix");

        // when its process is killed, a new one is started and the job is RUNNING again, attempt 2
        first.destroyForcibly();
        awaitBody("/api/jobs/" + id, "\"attempt\":2", "a second run");
        awaitBody("/api/jobs/" + id, "\"state\":\"RUNNING\"", "the second run to be RUNNING");
        ProcessHandle second = await1Server("phoenix");
        assertNotEquals(first.pid(), second.pid());

        // and when that one is killed too, no attempt is left: the job FAILED
        second.destroyForcibly();
        awaitBody("/api/jobs/" + id, "\"state\":\"FAILED\"", "the job to fail");
        Instance.await(Duration.ofSeconds(20), () -> servers().findAny().isEmpty(), () -> "llama-server to be gone");
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void aRestartedAgentKeepsTheRunningServerInsteadOfStartingASecond() throws Exception {
        // given a running server
        String id = submit(serve("survivor", 0));
        awaitBody("/api/jobs/" + id, "\"state\":\"RUNNING\"", "the serve job to run");
        String endpoint = awaitField(id, "endpoint");
        ProcessHandle server = await1Server("survivor");

        // when the instance (orchestrator and agent) dies and comes back
        up.kill9();
        assertTrue(server.isAlive(), "the server outlives its agent");
        // the node offers vllm again once restarted (before main's reconnect work it did not: a
        // runtime arriving while the agent joined stayed unadvertised); last anyway, as it restarts
        startUp();

        // then the job is still RUNNING at the same endpoint, served by the same process
        awaitBody("/api/jobs/" + id, "recovered", "the run to be recovered");
        assertTrue(send("GET", "/api/jobs/" + id, null).body().contains("\"state\":\"RUNNING\""));
        assertEquals(endpoint, awaitField(id, "endpoint"));
        assertEquals(200, get(endpoint + "/health").statusCode());
        assertEquals(List.of(server.pid()), servers().filter(p -> p.info().commandLine().orElse("")
                .contains("--alias survivor")).map(ProcessHandle::pid).toList());

        // and cancelling it still ends the server
        assertEquals(200, send("DELETE", "/api/jobs/" + id, null).statusCode());
        awaitBody("/api/jobs/" + id, "\"state\":\"CANCELLED\"", "the cancel to settle");
        Instance.await(Duration.ofSeconds(20), () -> !server.isAlive(), () -> "the recovered server to be gone");
    }

    @Test
    void aServeJobWithACommandThatIsNotFoundFailsWithAReason() throws Exception {
        String id = submit("{\"name\": \"nowhere\", \"runtime\": \"vllm\", \"vllm\": {\"model\": \"m\", \"command\": [\""
                + root.resolve("no-such-vllm") + "\"]}}");

        awaitBody("/api/jobs/" + id, "\"state\":\"FAILED\"", "the job to fail");
        assertTrue(send("GET", "/api/jobs/" + id, null).body().contains("is not an executable file"));
    }

    private String serve(String name, int attempts) {
        return "{\"name\": \"" + name + "\", \"runtime\": \"vllm\", \"vllm\": {\"model\": \"" + model
                + "\", \"maxModelLen\": 512, \"extraArgs\": [\"--served-model-name\", \"" + name + "\"]},"
                + " \"restart\": {\"attempts\": " + attempts + ", \"backoff\": \"100ms\"}}";
    }

    /** llama-server processes serving this test's model. */
    java.util.stream.Stream<ProcessHandle> servers() {
        return Llama.servers(model).stream();
    }

    ProcessHandle await1Server(String alias) throws InterruptedException {
        ProcessHandle[] found = new ProcessHandle[1];
        Instance.await(Duration.ofSeconds(30), () -> {
            List<ProcessHandle> l = servers().filter(p -> p.info().commandLine().orElse("").contains("--alias " + alias))
                    .toList();
            found[0] = l.size() == 1 ? l.get(0) : null;
            return found[0] != null;
        }, () -> "one llama-server for " + alias);
        return found[0];
    }

    String submit(String json) throws Exception {
        return up.submit(json);
    }

    HttpResponse<String> send(String method, String path, String json) throws Exception {
        return up.send(method, path, json);
    }

    HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    void awaitBody(String path, String text, String what) throws InterruptedException {
        up.awaitBody(path, text, what, Duration.ofSeconds(60));
    }

    /** A string field of the job, once it is set. */
    String awaitField(String id, String field) throws InterruptedException {
        Pattern p = Pattern.compile("\"" + field + "\":\\s*\"([^\"]+)\"");
        String[] value = { null };
        awaitBody("/api/jobs/" + id, "\"" + field + "\"", "the job's " + field);
        try {
            Matcher m = p.matcher(send("GET", "/api/jobs/" + id, null).body());
            value[0] = m.find() ? m.group(1) : "";
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return value[0];
    }
}
