package io.orchion.gateway.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A model server for the gateway's tests, on loopback: answers OpenAI's chat call the way
 * llama-server does (a JSON answer, or with {@code "stream": true} an event stream of chunks ending
 * in {@code data: [DONE]}), and can fail, hold its answer until released, or stream for as long as
 * its client listens (to see a client that went away stop it). The gateway's end-to-end test runs
 * against real llama-server processes; this one lets the gateway's own rules be driven exactly.
 */
final class Replica implements AutoCloseable {
    final String name;
    final List<String> bodies = new CopyOnWriteArrayList<>();
    /** Answer 500 to every call. */
    volatile boolean failing;
    /** Held calls wait on this before answering. */
    volatile CountDownLatch hold = new CountDownLatch(0);
    /** Stream one chunk every 20 ms until the client goes away (or 30 s). */
    volatile boolean endless;
    /** Set when an endless stream's write failed: its client went away. */
    final AtomicBoolean clientLeft = new AtomicBoolean();
    /** Between the first and second chunk of a stream, wait on this. */
    volatile CountDownLatch betweenChunks = new CountDownLatch(0);
    private final HttpServer server;

    Replica(String name) throws IOException {
        this.name = name;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "replica-" + name);
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    Upstream upstream(String model) {
        return new Upstream(model, base(), name, "node-" + name);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            bodies.add(body);
            if (!hold.await(30, TimeUnit.SECONDS)) {
                return;
            }
            if (failing) {
                byte[] b = "{\"error\":{\"message\":\"loading model\"}}".getBytes(StandardCharsets.UTF_8);
                x.sendResponseHeaders(503, b.length);
                x.getResponseBody().write(b);
                return;
            }
            if (body.contains("\"stream\":true") || body.contains("\"stream\": true")) {
                x.getResponseHeaders().add("Content-Type", "text/event-stream");
                x.sendResponseHeaders(200, 0);
                OutputStream out = x.getResponseBody();
                chunk(out, "{\"choices\":[{\"delta\":{\"content\":\"" + name + "-1\"}}]}");
                if (!betweenChunks.await(30, TimeUnit.SECONDS)) {
                    return;
                }
                if (endless) {
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    try {
                        for (int i = 2; System.nanoTime() < end; i++) {
                            chunk(out, "{\"choices\":[{\"delta\":{\"content\":\"" + name + "-" + i + "\"}}]}");
                            Thread.sleep(20);
                        }
                    } catch (IOException e) {
                        clientLeft.set(true);
                        return;
                    }
                }
                chunk(out, "{\"choices\":[{\"delta\":{\"content\":\"" + name + "-2\"}}],"
                        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}");
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                return;
            }
            byte[] b = ("{\"object\":\"chat.completion\",\"served_by\":\"" + name
                    + "\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hi\"}}],"
                    + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}")
                    .getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void chunk(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        hold.countDown();
        betweenChunks.countDown();
        server.stop(0);
    }
}
