package io.orchion.fakeollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The fake of Ollama's documented HTTP API answers in the shapes the documentation shows. */
class OllamaApiServerTest {
    final OllamaApiServer ollama;
    final HttpClient http = HttpClient.newHttpClient();

    OllamaApiServerTest() throws Exception {
        ollama = OllamaApiServer.start().withLocalModel("tiny").withPullableModel("big:7b", 1000)
                .pullStep(Duration.ZERO, 2);
    }

    @AfterEach
    void close() {
        ollama.close();
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(ollama.url() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static List<JsonNode> ndjson(String body) {
        return body.lines().map(OllamaApiServerTest::json).toList();
    }

    @Test
    void aPullStreamsTheDocumentedStatusLinesAndLeavesTheModelPresent() throws Exception {
        List<JsonNode> lines = ndjson(post("/api/pull", "{\"model\": \"big:7b\"}").body());
        assertEquals("pulling manifest", lines.get(0).get("status").asText());
        JsonNode layer = lines.get(1);
        assertTrue(layer.get("status").asText().startsWith("pulling "));
        assertTrue(layer.get("digest").asText().startsWith("sha256:"));
        assertFalse(layer.has("completed"), "no completed key before any download, as documented");
        assertEquals(List.of("verifying sha256 digest", "writing manifest", "success"), lines.subList(lines.size() - 3,
                lines.size()).stream().map(o -> o.get("status").asText()).toList());
        assertTrue(ollama.localModels().contains("big:7b"));
        assertTrue(http.send(HttpRequest.newBuilder(URI.create(ollama.url() + "/api/tags")).build(),
                HttpResponse.BodyHandlers.ofString()).body().contains("\"name\":\"big:7b\""));
    }

    @Test
    void anUnknownModelGivesOllamasErrorLine() throws Exception {
        HttpResponse<String> r = post("/api/pull", "{\"model\": \"nope\"}");
        assertEquals(200, r.statusCode());
        assertEquals(List.of("{\"status\":\"pulling manifest\"}", "{\"error\":\"pull model manifest: file does not exist\"}"),
                r.body().lines().toList());
        HttpResponse<String> gen = post("/api/generate", "{\"model\": \"nope\", \"prompt\": \"hi\"}");
        assertEquals(404, gen.statusCode());
        assertEquals("model \"nope\" not found, try pulling it first",
                json(gen.body()).get("error").asText());
    }

    @Test
    void generateStreamsChunksThenTheFinalObjectOrAnswersOnceWithStreamFalse() throws Exception {
        List<JsonNode> chunks = ndjson(post("/api/generate", "{\"model\": \"tiny\", \"prompt\": \"hello you\"}").body());
        JsonNode last = chunks.get(chunks.size() - 1);
        assertTrue(last.get("done").asBoolean());
        assertEquals("stop", last.get("done_reason").asText());
        assertEquals(2, last.get("prompt_eval_count").asInt());
        assertEquals(chunks.size() - 1, last.get("eval_count").asInt());
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.get("response").asText()));
        assertEquals(OllamaApiServer.defaultReply("hello you"), text.toString());

        JsonNode once = json(post("/api/generate",
                "{\"model\": \"tiny:latest\", \"prompt\": \"hello you\", \"stream\": false}").body());
        assertEquals(OllamaApiServer.defaultReply("hello you"), once.get("response").asText());
        assertTrue(once.has("total_duration") && once.has("load_duration") && once.has("eval_count"));
        assertTrue(http.send(HttpRequest.newBuilder(URI.create(ollama.url() + "/api/ps")).build(),
                HttpResponse.BodyHandlers.ofString()).body().contains("\"name\":\"tiny:latest\""), "loaded after use");
    }

    @Test
    void embedGivesOneUnitVectorPerInput() throws Exception {
        JsonNode r = json(post("/api/embed", "{\"model\": \"tiny\", \"input\": [\"a\", \"b c\"]}").body());
        assertEquals(2, r.get("embeddings").size());
        double norm = 0;
        for (var x : r.get("embeddings").get(0)) {
            norm += x.asDouble() * x.asDouble();
        }
        assertEquals(1.0, norm, 1e-5);
        assertEquals(3, r.get("prompt_eval_count").asInt());
    }
}
