package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/**
 * The llama-cpp runtime end to end on an all-in-one instance: the node reports llama-server's
 * version in its capabilities; a job whose model is a URL (served by this test on loopback) has it
 * fetched into the node's model cache, checked against its SHA-256, and served by a real
 * llama-server (a tiny random-weight model) that the gateway lists and answers through; cancel ends
 * the server; a wrong checksum fails the job naming the mismatch. The model's output is gibberish:
 * only structure is asserted. Needs the llama build (itest/llama/build.sh, see docs/runtime-vllm.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlamaCppIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path root;
    Instance up;
    HttpServer files;
    String base;
    String sha;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        Path server = Llama.DIR.resolve("bin/llama-server");
        Path model = Llama.DIR.resolve("tiny.gguf");
        assertTrue(Files.isExecutable(server) && Files.isRegularFile(model),
                "no llama build in " + Llama.DIR + ": itest/llama/build.sh (the test build runs it)");
        // the model on an HTTP server of this test's own, under any name
        byte[] bytes = Files.readAllBytes(model);
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        files = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        files.createContext("/", x -> {
            try (x; OutputStream out = x.getResponseBody()) {
                x.sendResponseHeaders(200, bytes.length);
                out.write(bytes);
            }
        });
        files.start();
        base = "http://127.0.0.1:" + files.getAddress().getPort();

        up = Instance.up(root, "up");
        up.conf("io.orchion.runtime.llamacpp", "command = " + server + "\nhealthTimeout = 2m\nhealthInterval = 1s\n"
                + "unhealthyThreshold = 2\nstopGrace = 5s\n");
        up.conf("io.orchion.gateway", "discovery.interval.ms = 500\n");
        up.start();
        awaitBody("/api/nodes", "\"llama-cpp\"", "the node to offer the llama-cpp runtime");
    }

    @AfterAll
    void stop() throws Exception {
        try (Instance instance = up) {
            if (files != null) {
                files.stop(0);
            }
        } finally {
            servers().forEach(ProcessHandle::destroyForcibly); // nothing of ours may outlive the test
        }
    }

    @Test
    void theNodeReportsLlamaServersVersionAndPath() throws Exception {
        JsonNode nodes = JSON.readTree(send("GET", "/api/nodes", null).body());
        JsonNode info = null;
        for (JsonNode node : nodes.path("nodes").isArray() ? nodes.path("nodes") : nodes) {
            for (JsonNode e : node.path("capabilities").path("runtimeInfo")) {
                if ("llama-cpp".equals(e.path("name").asText())) {
                    info = e;
                }
            }
        }
        assertTrue(info != null, nodes.toString());
        assertTrue(info.path("healthy").asBoolean(), info.toString());
        assertEquals(Llama.DIR.resolve("bin/llama-server").toString(), info.path("attributes").path("path").asText());
        // what `llama-server --version` says on its "version: ..." line
        Process p = new ProcessBuilder(Llama.DIR.resolve("bin/llama-server").toString(), "--version").redirectErrorStream(true)
                .start();
        String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^version: (.+)$").matcher(said);
        assertTrue(m.find(), said);
        assertEquals(m.group(1).strip(), info.path("attributes").path("version").asText(), info.toString());
    }

    @Test
    void aJobServesItsDownloadedModelThroughTheGatewayAndCancelEndsTheServer() throws Exception {
        // given a llama-cpp job whose model is a URL with its checksum
        String id = submit("{\"name\": \"tiny-cpp\", \"runtime\": \"llama-cpp\", \"llamaCpp\": {\"model\": \"" + base
                + "/models/tiny.gguf\", \"sha256\": \"" + sha + "\", \"contextSize\": 512, \"threads\": 1, \"parallel\": 1}}");

        // when it is RUNNING, its endpoint is recorded and one llama-server serves the cached file
        awaitBody("/api/jobs/" + id, "\"state\":\"RUNNING\"", "the job to run");
        String body = send("GET", "/api/jobs/" + id, null).body();
        String endpoint = JSON.readTree(body).path("endpoint").asText();
        assertTrue(endpoint.matches("http://127\\.0\\.0\\.1:\\d+"), body);
        assertEquals(1, servers().size(), "one llama-server for the job: " + servers());
        assertTrue(servers().get(0).info().commandLine().orElse("").contains(up.data.resolve("models").toString()),
                "it serves the file in the node's model cache: " + servers().get(0).info().commandLine());

        // then the gateway lists the job's name as a model (an admin may call models) and answers a chat
        awaitModel("tiny-cpp");
        HttpResponse<String> answer = http.send(v1("/v1/chat/completions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"tiny-cpp\", \"max_tokens\": 8, "
                        + "\"messages\": [{\"role\": \"user\", \"content\": \"Say hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode a = JSON.readTree(answer.body());
        assertEquals("chat.completion", a.path("object").asText(), answer.body());
        assertEquals("assistant", a.path("choices").path(0).path("message").path("role").asText(), answer.body());
        assertTrue(a.path("usage").path("completion_tokens").asInt() > 0, answer.body());

        // and cancelling the job ends the server
        assertEquals(200, send("DELETE", "/api/jobs/" + id, null).statusCode());
        awaitBody("/api/jobs/" + id, "\"state\":\"CANCELLED\"", "the cancel to settle");
        Instance.await(Duration.ofSeconds(20), () -> servers().isEmpty(), () -> "llama-server to be gone: " + servers());
    }

    @Test
    void aModelWithTheWrongChecksumFailsTheJobNamingTheMismatch() throws Exception {
        String wrong = "0".repeat(64);
        String id = submit("{\"name\": \"tampered\", \"runtime\": \"llama-cpp\", \"llamaCpp\": {\"model\": \"" + base
                + "/tampered/tiny.gguf\", \"sha256\": \"" + wrong + "\"}}");

        awaitBody("/api/jobs/" + id, "\"state\":\"FAILED\"", "the job to fail");
        String body = send("GET", "/api/jobs/" + id, null).body();
        assertTrue(body.contains("llamaCpp.model: cannot fetch " + base + "/tampered/tiny.gguf")
                && body.contains("has SHA-256 " + sha + ", not the " + wrong + " given"), body);
        assertTrue(servers().stream().noneMatch(p -> p.info().commandLine().orElse("").contains("tampered")));
    }

    /** The llama-server processes of this test (their model is in this test's folder). */
    List<ProcessHandle> servers() {
        return Llama.servers(root);
    }

    HttpRequest.Builder v1(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + up.httpPort + path))
                .header("Authorization", "Bearer " + up.adminToken()).timeout(Duration.ofSeconds(60));
    }

    void awaitModel(String name) throws InterruptedException {
        String[] last = { "" };
        Instance.await(Duration.ofSeconds(60), () -> {
            try {
                last[0] = http.send(v1("/v1/models").build(), HttpResponse.BodyHandlers.ofString()).body();
                for (JsonNode m : JSON.readTree(last[0]).path("data")) {
                    if (m.path("id").asText().equals(name)) {
                        return true;
                    }
                }
                return false;
            } catch (Exception e) {
                return false;
            }
        }, () -> name + " in /v1/models; last: " + last[0] + "\n" + up.tail());
        assertFalse(last[0].isEmpty());
    }

    String submit(String json) throws Exception {
        return up.submit(json);
    }

    HttpResponse<String> send(String method, String path, String json) throws Exception {
        return up.send(method, path, json);
    }

    void awaitBody(String path, String text, String what) throws InterruptedException {
        up.awaitBody(path, text, what, Duration.ofSeconds(90));
    }
}
