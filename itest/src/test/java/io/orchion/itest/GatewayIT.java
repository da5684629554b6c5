package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The model gateway end to end: an all-in-one instance runs two replicas of a model (two serve
 * jobs, each a real llama-server with a tiny random-weight model, started through the vLLM
 * runtime), and clients with an inference token call the model through the orchestrator's
 * {@code /v1}: listed, answered with and without streaming, balanced over both replicas, and
 * still answered while one replica is killed and comes back. The output is gibberish: only
 * structure is asserted. Needs the llama build (see docs/runtime-vllm.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern TOKEN = Pattern.compile("oat1\\.[^\\s.]+\\.[^\\s'\"]+");

    @TempDir
    static Path root;
    Instance up;
    Path model;
    String inference;
    String viewer;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        model = Llama.model(root);
        up = Instance.up(root, "up");
        Llama.configure(up);
        // the served models are asked for every 500 ms here (5 s by default)
        Files.writeString(up.conf.resolve("io.orchion.gateway.cfg"), "discovery.interval.ms = 500\nset.aside.ms = 2000\n");
        up.start();
        inference = token("inference", "webui");
        viewer = token("viewer", "watcher");
        // two replicas of the model "tiny"
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = http.send(up.http("/api/jobs").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"tiny-" + i + "\", \"runtime\": \"vllm\", "
                            + "\"vllm\": {\"model\": \"" + model + "\", \"maxModelLen\": 512, \"extraArgs\": "
                            + "[\"--served-model-name\", \"tiny\"]}, \"restart\": {\"attempts\": 5, \"backoff\": \"100ms\"}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), r.body());
        }
        awaitReplicas(2);
    }

    @AfterAll
    void stop() throws Exception {
        if (up != null) {
            up.close();
        }
        servers().forEach(ProcessHandle::destroyForcibly);
    }

    String token(String role, String name) throws Exception {
        Instance.Shell s = up.shell("orchion:token create --role " + role + " --name " + name);
        Matcher m = TOKEN.matcher(s.out());
        assertTrue(m.find(), s.out() + s.err());
        return m.group();
    }

    HttpRequest.Builder v1(String path, String token) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + up.httpPort + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60));
    }

    HttpResponse<String> chat(String token, String model, boolean stream) throws Exception {
        return http.send(v1("/v1/chat/completions", token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"" + model + "\", \"max_tokens\": 8, \"stream\": "
                        + stream + ", \"messages\": [{\"role\": \"user\", \"content\": \"Say hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until the gateway lists the model "tiny" with {@code n} replicas. */
    void awaitReplicas(int n) throws InterruptedException {
        String[] last = { "" };
        Instance.await(Duration.ofSeconds(120), () -> {
            try {
                last[0] = http.send(v1("/v1/models", inference).build(), HttpResponse.BodyHandlers.ofString()).body();
                for (JsonNode m : JSON.readTree(last[0]).path("data")) {
                    if (m.path("id").asText().equals("tiny") && m.path("replicas").asInt() == n) {
                        return true;
                    }
                }
                return false;
            } catch (Exception e) {
                return false;
            }
        }, () -> n + " replicas of tiny in /v1/models; last: " + last[0] + "\n" + up.tail());
    }

    List<ProcessHandle> servers() {
        return Llama.servers(model);
    }

    @Test
    void anInferenceTokenListsAndCallsTheModelWithAndWithoutStreaming() throws Exception {
        HttpResponse<String> listed = http.send(v1("/v1/models", inference).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, listed.statusCode(), listed.body());
        JsonNode list = JSON.readTree(listed.body());
        assertEquals("list", list.path("object").asText());
        assertFalse(list.path("data").isEmpty(), listed.body());

        HttpResponse<String> answer = chat(inference, "tiny", false);
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode a = JSON.readTree(answer.body());
        assertEquals("chat.completion", a.path("object").asText(), answer.body());
        assertEquals("assistant", a.path("choices").path(0).path("message").path("role").asText(), answer.body());
        assertTrue(a.path("usage").path("completion_tokens").asInt() > 0, answer.body());

        HttpResponse<java.io.InputStream> streamed = http.send(v1("/v1/chat/completions", inference)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"tiny\", \"max_tokens\": 8, \"stream\": true, "
                        + "\"messages\": [{\"role\": \"user\", \"content\": \"Say hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, streamed.statusCode());
        assertTrue(streamed.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(streamed.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null;) {
                if (line.startsWith("data: ")) {
                    events.add(line.substring(6));
                }
            }
        }
        assertTrue(events.size() >= 2, events.toString());
        assertEquals("[DONE]", events.get(events.size() - 1));
        assertEquals("chat.completion.chunk", JSON.readTree(events.get(0)).path("object").asText(), events.get(0));
    }

    @Test
    void whoMayCallIsTheInferenceRoleAndOperatorsNotViewers() throws Exception {
        HttpResponse<String> asViewer = chat(viewer, "tiny", false);
        assertEquals(403, asViewer.statusCode(), asViewer.body());
        assertEquals("permission_error", JSON.readTree(asViewer.body()).path("error").path("type").asText(), asViewer.body());
        HttpResponse<String> asAdmin = chat(up.adminToken(), "tiny", false);
        assertEquals(200, asAdmin.statusCode(), asAdmin.body());
        HttpResponse<String> inferenceOnApi = http.send(v1("/api/nodes", inference).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, inferenceOnApi.statusCode(), inferenceOnApi.body());
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + up.httpPort
                + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        assertEquals("authentication_error", JSON.readTree(anonymous.body()).path("error").path("type").asText());
        HttpResponse<String> unknown = chat(inference, "huge", false);
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertEquals("model_not_found", JSON.readTree(unknown.body()).path("error").path("code").asText());
    }

    @Test
    void killingAReplicaLosesNoCallAndTheReplicaComesBack() throws Exception {
        // given both replicas serving
        awaitReplicas(2);
        List<ProcessHandle> before = servers();
        assertEquals(2, before.size(), before.toString());

        // when one llama-server is killed
        before.get(0).destroyForcibly();

        // then every call still succeeds (on the other, a failed attempt retried there) while it is away
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = chat(inference, "tiny", false);
            assertEquals(200, r.statusCode(), "call " + i + ": " + r.body());
        }
        // and its job restarts it, and the gateway has two replicas again
        Instance.await(Duration.ofSeconds(120), () -> servers().size() == 2 && !servers().contains(before.get(0)),
                () -> "the killed replica to be restarted; servers: " + servers());
        awaitReplicas(2);
        assertEquals(200, chat(inference, "tiny", false).statusCode());
    }
}
