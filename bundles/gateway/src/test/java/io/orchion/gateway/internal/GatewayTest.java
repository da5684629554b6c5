package io.orchion.gateway.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** The gateway's rules, in a real Jetty, against replicas on loopback that it drives to each case. */
class GatewayTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CHAT = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String STREAM = "{\"model\":\"tiny\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    Server jetty;
    int port;
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    HttpClient upstreams = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    volatile Gateway gateway;
    Balancer balancer;
    List<Replica> replicas = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        ServletHolder holder = new ServletHolder("gateway", new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                gateway.serve(req, resp);
            }
        });
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/v1/*");
        jetty.setHandler(context);
        jetty.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        replicas.forEach(Replica::close);
        jetty.stop();
        timer.shutdownNow();
    }

    Replica replica(String name) throws IOException {
        Replica r = new Replica(name);
        replicas.add(r);
        return r;
    }

    /** A gateway whose model "tiny" is served by {@code serving}, each replica given {@code perReplica} calls at once. */
    void serve(int perReplica, int queue, Duration queueTimeout, Replica... serving) {
        List<Upstream> ups = new ArrayList<>();
        for (Replica r : serving) {
            ups.add(r.upstream("tiny"));
        }
        ServingJobs.Picture p = new ServingJobs.Picture(Map.of("tiny", List.copyOf(ups)),
                Map.of("tiny", Instant.ofEpochSecond(1_700_000_000)));
        balancer = new Balancer(perReplica, queue, queueTimeout, timer);
        gateway = new Gateway(() -> p, balancer, upstreams,
                new Gateway.Settings(1 << 20, Duration.ofSeconds(10), Duration.ofSeconds(10)));
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode error(HttpResponse<String> r) throws IOException {
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertTrue(e != null && e.has("message") && e.has("type") && e.has("param") && e.has("code"), r.body());
        return e;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void theModelsAreListedAsOpenAiListsThem() throws Exception {
        Replica a = replica("a");
        serve(4, 4, Duration.ofSeconds(5), a);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        JsonNode list = JSON.readTree(r.body());
        assertEquals("list", list.get("object").asText());
        assertEquals(1, list.get("data").size(), r.body());
        JsonNode m = list.get("data").get(0);
        assertEquals("tiny", m.get("id").asText());
        assertEquals("model", m.get("object").asText());
        assertEquals(1_700_000_000L, m.get("created").asLong());
        assertEquals("orchion", m.get("owned_by").asText());
    }

    @Test
    void aCallReachesAReplicaUnchangedAndItsAnswerComesBack() throws Exception {
        Replica a = replica("a");
        serve(4, 4, Duration.ofSeconds(5), a);
        HttpResponse<String> r = post("/v1/chat/completions", CHAT);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("a", JSON.readTree(r.body()).get("served_by").asText());
        assertEquals(List.of(CHAT), a.bodies, "the body went on as the client wrote it");
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        await(() -> balancer.inFlight(a.base()) == 0, "the replica's slot to be free");
    }

    @Test
    void aStreamIsPassedOnChunkByChunk() throws Exception {
        // given a replica that sends its first chunk and then waits
        Replica a = replica("a");
        a.betweenChunks = new CountDownLatch(1);
        serve(4, 4, Duration.ofSeconds(5), a);

        // when a client streams
        HttpResponse<java.io.InputStream> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(STREAM)).build(),
                HttpResponse.BodyHandlers.ofInputStream());

        // then the first chunk reaches it while the replica still holds the second
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals("no-cache", r.headers().firstValue("Cache-Control").orElse(""));
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        String first = in.readLine();
        assertTrue(first.contains("a-1"), first);
        assertEquals(1, a.betweenChunks.getCount(), "the second chunk was not sent yet");
        a.betweenChunks.countDown();
        List<String> rest = new ArrayList<>();
        for (String line; (line = in.readLine()) != null;) {
            if (!line.isEmpty()) {
                rest.add(line);
            }
        }
        assertEquals(2, rest.size(), rest.toString());
        assertTrue(rest.get(0).contains("a-2"), rest.toString());
        assertEquals("data: [DONE]", rest.get(1));
    }

    @Test
    void theReplicaWithFewestCallsInFlightGetsTheNext() throws Exception {
        // given two replicas, one busy with a held call
        Replica a = replica("a");
        Replica b = replica("b");
        a.hold = new CountDownLatch(1);
        b.hold = new CountDownLatch(1);
        serve(4, 4, Duration.ofSeconds(5), a, b);
        CompletableFuture<HttpResponse<String>> held = CompletableFuture.supplyAsync(() -> postUnchecked(CHAT));
        await(() -> a.bodies.size() + b.bodies.size() == 1, "the first call to reach a replica");
        Replica busy = a.bodies.isEmpty() ? b : a;
        Replica idle = busy == a ? b : a;
        idle.hold.countDown();

        // when more calls come while it is busy
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = post("/v1/chat/completions", CHAT);
            assertEquals(idle.name, JSON.readTree(r.body()).get("served_by").asText(), "call " + i);
        }

        // then they all went to the other, and the held one ends on its own replica
        busy.hold.countDown();
        assertEquals(busy.name, JSON.readTree(held.get(10, TimeUnit.SECONDS).body()).get("served_by").asText());
    }

    private HttpResponse<String> postUnchecked(String body) {
        try {
            return post("/v1/chat/completions", body);
        } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    @Test
    void aReplicaThatFailsBeforeAnsweringIsSetAsideAndTheCallTriedOnAnother() throws Exception {
        Replica a = replica("a");
        Replica b = replica("b");
        a.failing = true;
        b.failing = true;
        Replica good = replica("good");
        serve(4, 4, Duration.ofSeconds(5), a, b, good);
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = post("/v1/chat/completions", CHAT);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("good", JSON.readTree(r.body()).get("served_by").asText());
        }
        // each failing replica was tried once, then passed over
        assertEquals(1, a.bodies.size());
        assertEquals(1, b.bodies.size());
    }

    @Test
    void whenNoReplicaAnswersTheClientHearsWhyInOpenAisShape() throws Exception {
        Replica a = replica("a");
        a.failing = true;
        Upstream gone = new Upstream("tiny", URI.create("http://127.0.0.1:" + closedPort()), "gone", "n0");
        ServingJobs.Picture p = new ServingJobs.Picture(Map.of("tiny", List.of(a.upstream("tiny"), gone)), Map.of());
        balancer = new Balancer(4, 4, Duration.ofSeconds(5), timer);
        gateway = new Gateway(() -> p, balancer, upstreams,
                new Gateway.Settings(1 << 20, Duration.ofSeconds(10), Duration.ofSeconds(10)));
        HttpResponse<String> r = post("/v1/chat/completions", CHAT);
        assertEquals(502, r.statusCode(), r.body());
        JsonNode e = error(r);
        assertTrue(e.get("message").asText().startsWith("no replica of model 'tiny' answered (2 tried): "), r.body());
        assertEquals("api_error", e.get("type").asText());
        assertEquals("upstream_unavailable", e.get("code").asText());
    }

    static int closedPort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aFullQueueIsRefusedAtOnceWithRetryAfter() throws Exception {
        // given one replica taking one call at a time, busy, and no room to wait
        Replica a = replica("a");
        a.hold = new CountDownLatch(1);
        serve(1, 0, Duration.ofSeconds(5), a);
        CompletableFuture<HttpResponse<String>> held = CompletableFuture.supplyAsync(() -> postUnchecked(CHAT));
        await(() -> a.bodies.size() == 1, "the first call to reach the replica");

        // when another comes
        HttpResponse<String> r = post("/v1/chat/completions", CHAT);

        // then it is refused with 429 and told when to retry
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
        assertEquals("rate_limit_error", error(r).get("type").asText());
        a.hold.countDown();
        assertEquals(200, held.get(10, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void aCallWaitsForAFreeReplicaThenTimesOut() throws Exception {
        Replica a = replica("a");
        a.hold = new CountDownLatch(1);
        serve(1, 4, Duration.ofMillis(300), a);
        CompletableFuture<HttpResponse<String>> held = CompletableFuture.supplyAsync(() -> postUnchecked(CHAT));
        await(() -> a.bodies.size() == 1, "the first call to reach the replica");
        // one waits and gets the slot when it frees
        CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() -> postUnchecked(CHAT));
        await(() -> balancer.waiting("tiny") == 1, "the second call to wait");
        a.hold.countDown();
        assertEquals(200, waiting.get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(200, held.get(10, TimeUnit.SECONDS).statusCode());
        // one that waits too long is told so
        a.hold = new CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> blocked = CompletableFuture.supplyAsync(() -> postUnchecked(CHAT));
        await(() -> a.bodies.size() == 3, "the third call to reach the replica");
        HttpResponse<String> late = post("/v1/chat/completions", CHAT);
        assertEquals(503, late.statusCode(), late.body());
        assertTrue(error(late).get("message").asText().startsWith("no replica of model 'tiny' was free within"),
                late.body());
        a.hold.countDown();
        assertEquals(200, blocked.get(10, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void badCallsAreNamedInOpenAisShape() throws Exception {
        Replica a = replica("a");
        serve(4, 4, Duration.ofSeconds(5), a);
        HttpResponse<String> unknown = post("/v1/chat/completions", CHAT.replace("tiny", "huge"));
        assertEquals(404, unknown.statusCode());
        assertEquals("model_not_found", error(unknown).get("code").asText());
        assertEquals("model", error(unknown).get("param").asText());
        HttpResponse<String> notJson = post("/v1/chat/completions", "{\"model\": ");
        assertEquals(400, notJson.statusCode());
        assertTrue(error(notJson).get("message").asText().startsWith("the request body is not JSON"), notJson.body());
        HttpResponse<String> noModel = post("/v1/embeddings", "{\"input\": \"x\"}");
        assertEquals(400, noModel.statusCode());
        assertEquals("model: missing; GET /v1/models lists the models served", error(noModel).get("message").asText());
        HttpResponse<String> array = post("/v1/completions", "[1]");
        assertEquals(400, array.statusCode());
        HttpResponse<String> big = post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"" + "x".repeat(1 << 20) + "\"}");
        assertEquals(413, big.statusCode());
        assertEquals(List.of(), a.bodies, "no bad call reached the replica");
    }

    @Test
    void aClientThatLeavesAStreamFreesTheReplicasSlot() throws Exception {
        // given a replica streaming for as long as it is listened to
        Replica a = replica("a");
        a.endless = true;
        serve(1, 0, Duration.ofSeconds(5), a);
        HttpResponse<java.io.InputStream> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(STREAM)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        assertTrue(in.readLine().contains("a-1"));
        assertEquals(1, balancer.inFlight(a.base()));

        // when the client goes away mid-answer
        r.body().close();

        // then the replica sees its connection closed, and its slot is free for the next call
        await(a.clientLeft::get, "the replica to see its client gone");
        await(() -> balancer.inFlight(a.base()) == 0, "the slot to be released");
        a.endless = false;
        assertEquals(200, post("/v1/chat/completions", CHAT).statusCode());
    }

    /** The metrics service as the gateway sees it, recording what it is told. */
    static final class Recorded implements io.orchion.api.metrics.Metrics {
        final List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> loads = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void heartbeat() {
        }

        @Override
        public void placement(long nanos) {
        }

        @Override
        public void grpcRequest(String method, String outcome) {
        }

        @Override
        public void httpRequest(String method, int status) {
        }

        @Override
        public void logBytes(long bytes) {
        }

        @Override
        public void modelCall(String model, int status, long firstByteNanos, long durationNanos, long promptTokens,
                long completionTokens) {
            assertTrue(durationNanos >= firstByteNanos && durationNanos > 0, firstByteNanos + " " + durationNanos);
            calls.add(model + " " + status + " first-byte=" + (firstByteNanos >= 0) + " in=" + promptTokens + " out="
                    + completionTokens);
        }

        @Override
        public void modelLoad(String model, int inFlight, int waiting) {
            loads.add(model + " " + inFlight + "/" + waiting);
        }
    }

    @Test
    void eachCallIsCountedOnceWithItsStatusTimesAndTokens() throws Exception {
        // given a gateway that reports to a metrics service, one replica taking one call at a time
        Replica a = replica("a");
        Recorded m = new Recorded();
        ServingJobs.Picture p = new ServingJobs.Picture(Map.of("tiny", List.of(a.upstream("tiny"))), Map.of());
        balancer = new Balancer(1, 0, Duration.ofSeconds(5), timer, m::modelLoad);
        gateway = new Gateway(() -> p, balancer, upstreams,
                new Gateway.Settings(1 << 20, Duration.ofSeconds(10), Duration.ofSeconds(10)), () -> m);

        // when a call, a streamed call and a refused call are made, and one for a model nobody serves
        assertEquals(200, post("/v1/chat/completions", CHAT).statusCode());
        HttpResponse<String> streamed = post("/v1/chat/completions", STREAM);
        assertTrue(streamed.body().contains("[DONE]"), streamed.body());
        a.hold = new CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> held = CompletableFuture.supplyAsync(() -> postUnchecked(CHAT));
        await(() -> a.bodies.size() == 3, "the held call to reach the replica");
        assertEquals(429, post("/v1/chat/completions", CHAT).statusCode());
        a.hold.countDown();
        assertEquals(200, held.get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(404, post("/v1/chat/completions", CHAT.replace("tiny", "made-up")).statusCode());

        // then each call to the served model was counted once, with its tokens from the usage
        await(() -> m.calls.size() == 4, "four calls counted: " + m.calls);
        assertEquals(List.of("tiny 200 first-byte=true in=5 out=1", "tiny 200 first-byte=true in=5 out=2",
                "tiny 429 first-byte=false in=-1 out=-1", "tiny 200 first-byte=true in=5 out=1"), m.calls);
        // and the load went up and down, ending idle
        assertTrue(m.loads.contains("tiny 1/0"), m.loads.toString());
        await(() -> m.loads.get(m.loads.size() - 1).equals("tiny 0/0"), "the load to end at 0/0: " + m.loads);
    }

    @Test
    void theTailFindsTheLastUsage() {
        Gateway.Tail t = new Gateway.Tail(64);
        assertEquals(List.of(-1L, -1L), List.of(t.usage()[0], t.usage()[1]));
        t.add(("data: {\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n" + "x".repeat(10))
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(3, t.usage()[0]);
        assertEquals(4, t.usage()[1]);
        t.add("y".repeat(100).getBytes(StandardCharsets.UTF_8));
        assertEquals(-1, t.usage()[0], "pushed out of the tail");
    }
}
