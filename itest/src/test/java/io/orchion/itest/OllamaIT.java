package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.orchion.fakeollama.OllamaApiServer;
import io.orchion.proto.v1.JobsGrpc;
import io.orchion.proto.v1.StreamLogsRequest;

/**
 * The Ollama runtime on the real distribution, against the in-repo fake of Ollama's documented
 * HTTP API ({@link OllamaApiServer}): no real Ollama can be installed where these tests run.
 */
class OllamaIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void generateChatAndEmbedJobsRunAgainstTheInRepoFakeOfOllamasApi() throws Exception {
        try (OllamaApiServer ollama = OllamaApiServer.start().withLocalModel("tiny:1b").withLocalModel("embedder")
                .withPullableModel("pulled:1b", 40_000_000).pullStep(Duration.ofMillis(150), 10);
                Instance up = Instance.up(root, "up")) {
            // given an all-in-one instance whose Ollama runtime points at the fake
            OperatorIT.writeAtomically(up.conf.resolve("io.orchion.runtime.ollama.cfg"), "url = " + ollama.url() + "\n");
            OperatorIT.writeAtomically(up.conf.resolve("io.orchion.agent.cfg"), "fingerprint.interval.ms = 1000\n");
            up.start();

            // then the node advertises the ollama runtime (and, with runtime info, the models present)
            JsonNode nodes = awaitJson(up, "/api/nodes", j -> runtimes(node(j)).contains("ollama"),
                    "the node to advertise the ollama runtime");
            JsonNode info = ollamaInfo(node(nodes));
            assertTrue(info.get("healthy").asBoolean(), info.toString());
            assertEquals("embedder:latest,tiny:1b", info.get("attributes").get("models").asText());
            assertEquals("0.9.0", info.get("attributes").get("version").asText());
            assertEquals(ollama.url(), info.get("attributes").get("url").asText());

            // when a generate job runs, it succeeds and its result holds the answer and the token counts
            String gen = submit(up, """
                    name: gen
                    runtime: ollama
                    ollama: { model: "tiny:1b", prompt: "why is the sky blue" }
                    """);
            JsonNode genJob = awaitState(up, gen, "SUCCEEDED");
            JsonNode r = genJob.get("result");
            assertEquals(OllamaApiServer.defaultReply("why is the sky blue"), r.get("response").asText(), genJob.toString());
            assertEquals(5, r.get("prompt_eval_count").asInt());
            assertEquals("stop", r.get("done_reason").asText());
            assertTrue(r.get("eval_count").asInt() > 0);
            // and its log holds the answer on stdout, line by line in order, after the runtime's own lines
            List<String> log = logLines(up, gen);
            assertEquals(List.of(OllamaApiServer.defaultReply("why is the sky blue").split("\n")),
                    log.stream().filter(l -> l.startsWith("stdout: ")).map(l -> l.substring(8)).toList(), log.toString());
            assertTrue(log.indexOf("orchion: model tiny:1b is present on the Ollama at " + ollama.url()) >= 0, log.toString());

            // a chat job: the assistant's content and its counts
            String chat = submit(up, """
                    name: chat
                    runtime: ollama
                    ollama:
                      model: "tiny:1b"
                      mode: chat
                      keepAlive: 0
                      messages:
                        - { role: user, content: "hello there" }
                    """);
            r = awaitState(up, chat, "SUCCEEDED").get("result");
            assertEquals(OllamaApiServer.defaultReply("hello there"), r.get("response").asText());
            assertEquals(2, r.get("prompt_eval_count").asInt());

            // an embed job: how many vectors of which size
            String embed = submit(up, """
                    name: embed
                    runtime: ollama
                    ollama: { model: embedder, mode: embed, input: ["a cat", "a dog", "a llama"] }
                    """);
            r = awaitState(up, embed, "SUCCEEDED").get("result");
            assertEquals(3, r.get("count").asInt());
            assertEquals(8, r.get("dimensions").asInt());
            assertEquals(3, r.get("embeddings").size());

            // a model that is missing but in the library is pulled first, then used
            String pulled = submit(up, """
                    name: pulled
                    runtime: ollama
                    ollama: { model: "pulled:1b", prompt: "hi" }
                    """);
            JsonNode pulling = awaitJson(up, "/api/jobs/" + pulled, j -> j.has("progress"),
                    "the pull's progress on the job");
            JsonNode progress = pulling.get("progress");
            assertEquals("pull pulled:1b", progress.get("activity").asText(), pulling.toString());
            // bytes of the layers Ollama has announced so far (the model's weights come first)
            long total = progress.get("total").asLong();
            assertTrue(total >= 39_000_000 && total <= 40_000_000, pulling.toString());
            assertTrue(progress.has("done") ? progress.get("done").asLong() <= total : true, pulling.toString());
            awaitState(up, pulled, "SUCCEEDED");
            assertTrue(ollama.localModels().contains("pulled:1b"));
            // and the node now advertises the pulled model
            awaitJson(up, "/api/nodes", j -> ollamaInfo(node(j)).toString().contains("pulled:1b"),
                    "the node to advertise the pulled model");

            // a model the library does not hold: FAILED with Ollama's reason, and the node stays READY
            String missing = submit(up, """
                    name: missing
                    runtime: ollama
                    ollama: { model: no-such-model, prompt: "hi" }
                    restart: { attempts: 0 }
                    """);
            JsonNode failed = awaitState(up, missing, "FAILED");
            assertTrue(failed.get("message").asText().contains(
                    "model 'no-such-model' cannot be pulled from the Ollama library: pull model manifest: file does not exist"),
                    failed.toString());
            assertEquals("READY", node(get(up, "/api/nodes")).get("status").asText());

            // a long answer: cancelling the job cancels the request in flight, and a timeout does too
            ollama.reply(p -> "another line\n".repeat(5000)).tokenDelay(Duration.ofMillis(10));
            String chatty = submit(up, """
                    name: chatty
                    runtime: ollama
                    ollama: { model: "tiny:1b", prompt: "go on" }
                    """);
            awaitState(up, chatty, "RUNNING");
            HttpResponse<String> cancel = http.send(up.http(("/api/jobs/" + chatty)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, cancel.statusCode(), cancel.body());
            awaitState(up, chatty, "CANCELLED");
            Instance.await(Duration.ofSeconds(10), () -> ollama.abortedStreams() == 1, () -> "Ollama to see the cancel");
            String slow = submit(up, """
                    name: slow
                    runtime: ollama
                    ollama: { model: "tiny:1b", prompt: "go on" }
                    timeout: 2s
                    """);
            JsonNode timedOut = awaitState(up, slow, "FAILED");
            assertTrue(timedOut.get("message").asText().endsWith("timeout"), timedOut.toString());
            Instance.await(Duration.ofSeconds(10), () -> ollama.abortedStreams() == 2, () -> "Ollama to see the timeout");

            // when Ollama stops, the runtime is no longer advertised
            ollama.close();
            JsonNode gone = node(awaitJson(up, "/api/nodes", j -> !runtimes(node(j)).contains("ollama"),
                    "the node to stop advertising the ollama runtime"));
            assertEquals("READY", gone.get("status").asText());
            assertEquals("no Ollama at " + ollama.url() + ": connection refused", text(ollamaInfo(gone), "detail"));
            // and an Ollama job is now refused at once, saying why
            HttpResponse<String> refused = http.send(up.http(("/api/jobs"))
                    .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(
                            "name: late\nruntime: ollama\nollama: { model: \"tiny:1b\", prompt: hi }\n")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("no node offers the 'ollama' runtime"), refused.body());
        }
    }

    // ---------------------------------------------------------------------------------------------

    String submit(Instance up, String yaml) throws Exception {
        HttpResponse<String> r = http.send(up.http(("/api/jobs")).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    JsonNode awaitState(Instance up, String id, String state) throws Exception {
        return awaitJson(up, "/api/jobs/" + id, j -> state.equals(text(j, "state")),
                "job " + id + " to be " + state);
    }

    JsonNode awaitJson(Instance up, String path, Predicate<JsonNode> condition, String what) throws Exception {
        JsonNode[] last = { null };
        Instance.await(Duration.ofSeconds(30), () -> {
            try {
                last[0] = get(up, path);
                return condition.test(last[0]);
            } catch (Exception e) {
                return false;
            }
        }, () -> what + "; last answer: " + last[0] + "\n" + up.tail());
        return last[0];
    }

    JsonNode get(Instance up, String path) throws Exception {
        HttpResponse<String> r = http.send(up.http((path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static URI uri(Instance up, String path) {
        return URI.create("http://127.0.0.1:" + up.httpPort + path);
    }

    /** The ollama runtime's fingerprint as the node advertises it. */
    static JsonNode ollamaInfo(JsonNode node) {
        for (JsonNode e : node.get("capabilities").get("runtimeInfo")) {
            if ("ollama".equals(text(e, "name"))) {
                return e;
            }
        }
        return JSON.createObjectNode();
    }

    /** The job's log as "stream: text" lines, read over gRPC. */
    static List<String> logLines(Instance up, String jobId) {
        ManagedChannel ch = up.channel(up.adminToken());
        try {
            List<String> out = new ArrayList<>();
            JobsGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .streamLogs(StreamLogsRequest.newBuilder().setJobId(jobId).build())
                    .forEachRemaining(b -> b.getLinesList().forEach(l -> out.add(l.getStream() + ": " + l.getText())));
            return out;
        } finally {
            ch.shutdownNow();
        }
    }

    /** The only node of an all-in-one instance, from GET /api/nodes. */
    static JsonNode node(JsonNode nodes) {
        return nodes.get(0);
    }

    static List<String> runtimes(JsonNode node) {
        List<String> out = new ArrayList<>();
        JsonNode caps = node.get("capabilities");
        if (caps != null && caps.has("runtimes")) {
            caps.get("runtimes").forEach(e -> out.add(e.asText()));
        }
        return out;
    }

    static String text(JsonNode j, String key) {
        JsonNode e = j.get(key);
        return e == null || e.isNull() ? "" : e.asText();
    }
}
