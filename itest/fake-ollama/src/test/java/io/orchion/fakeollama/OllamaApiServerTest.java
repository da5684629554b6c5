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

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

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

    static List<JsonObject> ndjson(String body) {
        return body.lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    @Test
    void aPullStreamsTheDocumentedStatusLinesAndLeavesTheModelPresent() throws Exception {
        List<JsonObject> lines = ndjson(post("/api/pull", "{\"model\": \"big:7b\"}").body());
        assertEquals("pulling manifest", lines.get(0).get("status").getAsString());
        JsonObject layer = lines.get(1);
        assertTrue(layer.get("status").getAsString().startsWith("pulling "));
        assertTrue(layer.get("digest").getAsString().startsWith("sha256:"));
        assertFalse(layer.has("completed"), "no completed key before any download, as documented");
        assertEquals(List.of("verifying sha256 digest", "writing manifest", "success"), lines.subList(lines.size() - 3,
                lines.size()).stream().map(o -> o.get("status").getAsString()).toList());
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
                JsonParser.parseString(gen.body()).getAsJsonObject().get("error").getAsString());
    }

    @Test
    void generateStreamsChunksThenTheFinalObjectOrAnswersOnceWithStreamFalse() throws Exception {
        List<JsonObject> chunks = ndjson(post("/api/generate", "{\"model\": \"tiny\", \"prompt\": \"hello you\"}").body());
        JsonObject last = chunks.get(chunks.size() - 1);
        assertTrue(last.get("done").getAsBoolean());
        assertEquals("stop", last.get("done_reason").getAsString());
        assertEquals(2, last.get("prompt_eval_count").getAsInt());
        assertEquals(chunks.size() - 1, last.get("eval_count").getAsInt());
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.get("response").getAsString()));
        assertEquals(OllamaApiServer.defaultReply("hello you"), text.toString());

        JsonObject once = JsonParser.parseString(post("/api/generate",
                "{\"model\": \"tiny:latest\", \"prompt\": \"hello you\", \"stream\": false}").body()).getAsJsonObject();
        assertEquals(OllamaApiServer.defaultReply("hello you"), once.get("response").getAsString());
        assertTrue(once.has("total_duration") && once.has("load_duration") && once.has("eval_count"));
        assertTrue(http.send(HttpRequest.newBuilder(URI.create(ollama.url() + "/api/ps")).build(),
                HttpResponse.BodyHandlers.ofString()).body().contains("\"name\":\"tiny:latest\""), "loaded after use");
    }

    @Test
    void embedGivesOneUnitVectorPerInput() throws Exception {
        JsonObject r = JsonParser.parseString(post("/api/embed", "{\"model\": \"tiny\", \"input\": [\"a\", \"b c\"]}").body())
                .getAsJsonObject();
        assertEquals(2, r.getAsJsonArray("embeddings").size());
        double norm = 0;
        for (var x : r.getAsJsonArray("embeddings").get(0).getAsJsonArray()) {
            norm += x.getAsDouble() * x.getAsDouble();
        }
        assertEquals(1.0, norm, 1e-5);
        assertEquals(3, r.get("prompt_eval_count").getAsInt());
    }
}
