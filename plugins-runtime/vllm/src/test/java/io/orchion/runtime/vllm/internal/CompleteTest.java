package io.orchion.runtime.vllm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.runtime.ExitStatus;
import io.orchion.api.runtime.RunHandle;
import io.orchion.api.runtime.RunRequest;

/**
 * Completion jobs against an HTTP server on loopback that streams as vLLM's OpenAI-compatible API
 * does (server-sent events, a final usage chunk, then [DONE]).
 */
class CompleteTest {
    private HttpServer server;
    private String endpoint;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/models", ex -> send(ex, 200, "application/json",
                "{\"object\":\"list\",\"data\":[{\"id\":\"tiny\"},{\"id\":\"other\"}]}"));
        server.createContext("/v1/completions", ex -> stream(ex, false));
        server.createContext("/v1/chat/completions", ex -> stream(ex, true));
        server.start();
        endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void close() {
        server.stop(0);
    }

    private void stream(HttpExchange ex, boolean chat) throws IOException {
        JsonNode req = OpenAiClient.JSON.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        requests.add(req);
        String model = req.get("model").asText();
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            for (String piece : new String[] { "Hello", " wor", "ld\nsecond", " line" }) {
                String choice = chat ? "{\"index\":0,\"delta\":{\"content\":" + quote(piece) + "},\"finish_reason\":null}"
                        : "{\"index\":0,\"text\":" + quote(piece) + ",\"finish_reason\":null}";
                event(out, "{\"model\":\"" + model + "\",\"choices\":[" + choice + "]}");
            }
            String last = chat ? "{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}"
                    : "{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}";
            event(out, "{\"model\":\"" + model + "\",\"choices\":[" + last + "]}");
            event(out, "{\"model\":\"" + model + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4,\"total_tokens\":9}}");
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void event(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }

    private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static RunHandle start(Map<String, Object> settings, Logs logs) {
        return new VllmRuntime(Map.of()).start(new RunRequest("run-c", "ask", settings, null, List.of(), null, null),
                logs);
    }

    @Test
    void aPromptStreamsItsTextToStdoutAndKeepsTheResult() throws Exception {
        // given a server whose first model is "tiny"
        Logs logs = new Logs();

        // when a completion job asks it without naming a model
        RunHandle h = start(Map.of("mode", "complete", "endpoint", endpoint + "/v1", "prompt", "Say hi",
                "maxTokens", 4.0, "temperature", 0.5), logs);
        ExitStatus exit = h.exit().get(20, TimeUnit.SECONDS);

        // then the text went to stdout line by line, and the result holds text, model, finish and usage
        assertTrue(exit.succeeded(), exit.toString());
        assertEquals(List.of("stdout: Hello world", "stdout: second line"), logs.lines());
        assertEquals("Hello world\nsecond line", exit.result().get("text"));
        assertEquals("tiny", exit.result().get("model"));
        assertEquals("length", exit.result().get("finish_reason"));
        assertEquals(Map.of("prompt_tokens", 5L, "completion_tokens", 4L, "total_tokens", 9L),
                exit.result().get("usage"));
        JsonNode sent = requests.get(0);
        assertEquals("Say hi", sent.get("prompt").textValue());
        assertEquals(4, sent.get("max_tokens").intValue());
        assertEquals(0.5, sent.get("temperature").doubleValue());
        assertTrue(sent.get("stream").booleanValue());
        assertTrue(sent.get("stream_options").get("include_usage").booleanValue());
    }

    @Test
    void messagesGoToChatCompletionsWithTheNamedModel() throws Exception {
        RunHandle h = start(Map.of("mode", "complete", "endpoint", endpoint, "model", "other", "messages",
                List.of(Map.of("role", "user", "content", "hi"))), new Logs());
        ExitStatus exit = h.exit().get(20, TimeUnit.SECONDS);

        assertTrue(exit.succeeded(), exit.toString());
        assertEquals("other", exit.result().get("model"));
        assertEquals("Hello world\nsecond line", exit.result().get("text"));
        assertEquals("user", requests.get(0).get("messages").get(0).get("role").textValue());
    }

    @Test
    void anUnreachableServerFailsTheJobWithAReason() throws Exception {
        server.stop(0);

        ExitStatus exit = start(Map.of("mode", "complete", "endpoint", endpoint, "model", "m", "prompt", "x"),
                new Logs()).exit().get(20, TimeUnit.SECONDS);

        assertFalse(exit.succeeded());
        assertEquals("completion against " + endpoint + " failed: connection refused", exit.reason());
    }

    @Test
    void refusesACompletionWithoutEndpointOrPrompt() {
        InvalidArgumentException noEndpoint = assertThrows(InvalidArgumentException.class,
                () -> start(Map.of("mode", "complete", "server", "llm", "prompt", "x"), new Logs()));
        assertEquals("vllm.endpoint", noEndpoint.field());
        assertTrue(noEndpoint.getMessage().contains("'llm' was not resolved"), noEndpoint.getMessage());

        InvalidArgumentException noPrompt = assertThrows(InvalidArgumentException.class,
                () -> start(Map.of("mode", "complete", "endpoint", endpoint), new Logs()));
        assertEquals("vllm.prompt", noPrompt.field());

        InvalidArgumentException badUrl = assertThrows(InvalidArgumentException.class,
                () -> start(Map.of("mode", "complete", "endpoint", "localhost:8000", "prompt", "x"), new Logs()));
        assertEquals("vllm.endpoint", badUrl.field());
    }

    @Test
    void aStoppedCompletionEndsWithTheReasonStopped() throws Exception {
        // given a server that never answers
        server.removeContext("/v1/completions");
        server.createContext("/v1/completions", ex -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        RunHandle h = start(Map.of("mode", "complete", "endpoint", endpoint, "model", "m", "prompt", "x"), new Logs());

        h.stop(Duration.ofSeconds(1));

        assertEquals("stopped", h.exit().get(20, TimeUnit.SECONDS).reason());
    }
}
