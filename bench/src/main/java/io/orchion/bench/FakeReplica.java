package io.orchion.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A model server that answers at once, for measuring what the gateway adds: {@code GET /health},
 * {@code GET /v1/models} (the model "bench"), and {@code POST /v1/chat/completions}: a fixed JSON
 * answer, or with {@code "stream": true} a first chunk at once, then, when the prompt says
 * {@code hold N}, one chunk a second for N seconds, then {@code [DONE]}. Started by the vLLM
 * runtime as a {@code vllm serve} stand-in: {@code FakeReplica HOST PORT}.
 */
public final class FakeReplica {
    static final byte[] ANSWER = ("{\"id\":\"b\",\"object\":\"chat.completion\",\"model\":\"bench\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}").getBytes(StandardCharsets.UTF_8);

    private FakeReplica() {
    }

    public static void main(String[] args) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 1024);
        s.setExecutor(Executors.newCachedThreadPool());
        s.createContext("/health", x -> answer(x, 200, "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8)));
        s.createContext("/v1/models", x -> answer(x, 200,
                "{\"object\":\"list\",\"data\":[{\"id\":\"bench\",\"object\":\"model\"}]}".getBytes(StandardCharsets.UTF_8)));
        s.createContext("/v1/chat/completions", FakeReplica::chat);
        s.start();
    }

    private static void answer(HttpExchange x, int status, byte[] body) throws IOException {
        try (x) {
            x.getRequestBody().readAllBytes();
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(status, body.length);
            x.getResponseBody().write(body);
        }
    }

    private static void chat(HttpExchange x) throws IOException {
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (!body.matches("(?s).*\"stream\"\\s*:\\s*true.*")) {
            answer(x, 200, ANSWER);
            return;
        }
        int hold = 0;
        int at = body.indexOf("hold ");
        if (at >= 0) {
            hold = Integer.parseInt(body.substring(at + 5).replaceAll("[^0-9].*", ""));
        }
        try (x) {
            x.getResponseHeaders().add("Content-Type", "text/event-stream");
            x.sendResponseHeaders(200, 0);
            OutputStream out = x.getResponseBody();
            chunk(out, "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"o\"}}]}");
            for (int i = 0; i < hold; i++) {
                Thread.sleep(1000);
                chunk(out, "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"k\"}}]}");
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void chunk(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
