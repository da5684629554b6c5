package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.orchion.proto.v1.Node;
import io.orchion.proto.v1.RegisterNodeRequest;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

/**
 * The operator API on an all-in-one instance: the OpenAPI document is valid 3.1, every route and
 * error answers as it documents, refused requests store nothing, and the event stream resumes
 * with Last-Event-ID without missing an event.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorApiIT {
    @TempDir
    static Path root;
    Instance up;
    RestApi api;

    @BeforeAll
    void start() throws Exception {
        up = Instance.up(root, "up", "--name", "local").start();
        api = new RestApi(up);
    }

    @AfterAll
    void stop() throws Exception {
        if (up != null) {
            up.close();
        }
    }

    void fakeNode(String id, String name) {
        up.grpc().registerNode(RegisterNodeRequest.newBuilder().setNode(Node.newBuilder().setId(id).setHostname(name)
                .setName(name)).build());
    }

    @Test
    void theOpenApiDocumentIsValid31() throws Exception {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(api.doc.toString(), null, options);
        assertEquals(List.of(), result.getMessages() == null ? List.of() : result.getMessages());
        assertEquals("3.1.0", result.getOpenAPI().getOpenapi());
        assertTrue(result.getOpenAPI().getPaths().containsKey("/api/jobs"));
    }

    @Test
    void everyRouteAndErrorAnswersAsDocumentedAndRefusalsStoreNothing() throws Exception {
        // health, plugins, scheduler
        api.get("/api/health", 200);
        api.get("/api/openapi.json", 200);
        JsonNode plugins = RestApi.JSON.readTree(api.get("/api/plugins", 200).body());
        assertTrue(plugins.get("strategies").toString().contains("bin-packing"), plugins.toString());
        assertTrue(plugins.get("runtimes").toString().contains("process"), plugins.toString());
        assertTrue(plugins.get("bundles").toString().contains("\"symbolicName\":\"io.orchion.rest\""));
        api.get("/api/scheduler", 200);
        api.call("PUT", "/api/scheduler", "application/json", "{\"strategy\": \"bin-packing\"}", 200);
        expect(api.call("PUT", "/api/scheduler", "application/json", "{\"strategy\": \"quantum\"}", 400), "quantum");
        expect(api.call("PUT", "/api/scheduler", "application/json", "{\"strategy\": ", 400), "NAME} object");
        expect(api.call("PUT", "/api/scheduler", "application/json", "{}", 400), "strategy: required");
        expect(api.call("PUT", "/api/scheduler", "text/plain", "bin-packing", 415), "application/json");
        api.get("/api/scheduler/preview?strategy=round-robin", 200);
        expect(api.get("/api/scheduler/preview", 400), "strategy: required");

        // nodes
        fakeNode("fake-1", "fake-one");
        assertTrue(api.get("/api/nodes", 200).body().contains("fake-one"));
        api.get("/api/nodes/fake-1", 200);
        assertTrue(api.call("POST", "/api/nodes/fake-1/drain", null, null, 200).body().contains("\"status\":\"DRAINING\""));
        assertTrue(api.call("POST", "/api/nodes/fake-one/undrain", null, null, 200).body().contains("\"status\":\"READY\""));
        api.get("/api/nodes/fake-1/telemetry", 200);
        expect(api.get("/api/nodes/nope", 404), "no node with id 'nope'");
        expect(api.get("/api/nodes/nope/telemetry", 404), "'nope'");
        expect(api.call("POST", "/api/nodes/nope/drain", null, null, 404), "'nope'");
        expect(api.call("POST", "/api/nodes/nope/undrain", null, null, 404), "'nope'");
        expect(api.call("GET", "/api/nodes/fake-1/drain", null, null, 405), "GET is not allowed");
        api.call("DELETE", "/api/nodes/fake-1", null, null, 200);
        expect(api.call("DELETE", "/api/nodes/fake-1", null, null, 404), "'fake-1'");

        // jobs: submit JSON and YAML, list with filters and pages, show, cancel
        int before = total("");
        String ok = "name: api-ok\nruntime: process\nprocess: { command: [\"true\"] }\nlabels: { team: blue }\n";
        String a = RestApi.field(api.call("POST", "/api/jobs", "application/yaml", ok, 201).body(), "id");
        String b = RestApi.field(api.call("POST", "/api/jobs", "application/json",
                "{\"name\": \"api-stuck\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"]},"
                        + " \"resources\": {\"cpu\": 999}, \"labels\": {\"team\": \"red\"}}", 201).body(), "id");
        String c = RestApi.field(api.call("POST", "/api/jobs", "application/yaml",
                ok.replace("api-ok", "api-stuck-2").replace("labels", "resources: { cpu: 999 }\nlabels"), 201).body(), "id");
        assertEquals(before + 3, total(""));
        JsonNode page1 = RestApi.JSON.readTree(api.get("/api/jobs?limit=2", 200).body());
        assertEquals(2, page1.get("jobs").size());
        assertEquals(c, page1.get("jobs").get(0).get("id").asText(), "newest first");
        String token = page1.get("nextPageToken").asText();
        assertFalse(token.isEmpty());
        JsonNode page2 = RestApi.JSON.readTree(api.get("/api/jobs?limit=2&pageToken=" + token, 200).body());
        assertEquals(a, page2.get("jobs").get(0).get("id").asText(), "the next page starts after the last one");
        assertEquals(1, total("&label=team=red"));
        assertEquals(2, total("&state=pending&label=team=blue") + total("&state=pending&label=team=red"));
        Instance.await(Duration.ofSeconds(20), () -> {
            try {
                return total("&node=local&label=team=blue") == 1;
            } catch (Exception e) {
                return false;
            }
        }, () -> "the placed job listed under its node");
        JsonNode shown = RestApi.JSON.readTree(api.get("/api/jobs/" + b, 200).body());
        assertTrue(shown.get("message").asText().contains("free CPU"), "the pending explanation: " + shown);
        assertTrue(shown.get("events").size() >= 1);
        assertEquals("CANCELLED", RestApi.JSON.readTree(api.call("DELETE", "/api/jobs/" + b, null, null, 200).body())
                .get("state").asText());
        api.call("DELETE", "/api/jobs/" + c, null, null, 200);
        api.get("/api/jobs/" + a + "/logs", 200);
        expect(api.get("/api/jobs/nope-0000abcd/logs", 404), "no job with id 'nope-0000abcd'");
        expect(api.get("/api/jobs/nope/logs", 400), "'nope' is not a job id");
        expect(api.get("/api/jobs/" + a + "/logs?after=-1", 400), "after: -1 is negative");
        expect(api.get("/api/jobs/" + a + "/logs?tail=x", 400), "tail: 'x'");

        // bad input: a clear 4xx naming the problem, nothing stored, the server fine afterwards
        int stored = total("");
        expect(api.call("POST", "/api/jobs", "application/json", "{\"name\": \"x\"", 400), "not valid JSON");
        expect(api.call("POST", "/api/jobs", "application/yaml", ok + "colour: blue\n", 400), "colour: unknown field");
        expect(api.call("POST", "/api/jobs", "application/yaml", ok.replace("runtime: process", "runtime: quantum"), 400),
                "runtime: no node offers the 'quantum' runtime");
        expect(api.call("POST", "/api/jobs", "application/yaml", ok + "# " + "x".repeat(2 << 20) + "\n", 413),
                "at most 1024 KiB");
        expect(api.call("POST", "/api/jobs", "text/plain", ok, 415), "application/json or application/yaml");
        expect(api.call("POST", "/api/jobs", null, ok, 415), "application/json or application/yaml");
        expect(api.call("PUT", "/api/jobs", "application/json", "{}", 405), "PUT is not allowed");
        expect(api.call("POST", "/api/health", "application/json", "{}", 405), "POST is not allowed");
        expect(api.get("/api/jobs/nope-0000abcd", 404), "no job with id 'nope-0000abcd'");
        expect(api.call("DELETE", "/api/jobs/nope-0000abcd", null, null, 404), "nope-0000abcd");
        expect(api.call("DELETE", "/api/jobs/nope", null, null, 400), "'nope' is not a job id");
        expect(api.get("/api/jobs?state=sleepy", 400), "state: 'sleepy'");
        expect(api.get("/api/jobs?limit=0", 400), "limit");
        expect(api.get("/api/jobs?limit=ten", 400), "limit: 'ten'");
        expect(api.get("/api/jobs?label=team", 400), "label: 'team' is not KEY=VALUE");
        expect(api.get("/api/jobs?pageToken=!!!", 400), "pageToken");
        expect(api.get("/api/no-such-thing", 404), "no resource at /api/no-such-thing");
        assertEquals(stored, total(""), "nothing stored by a refused request");
        // a header over the 16 KiB limit: refused by Jetty, the server fine afterwards
        HttpResponse<String> big = api.http.send(up.http("/api/health").header("X-Big", "y".repeat(20_000)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(431, big.statusCode());
        api.get("/api/health", 200);

        // CORS: the dev server may call, a stranger may not
        HttpResponse<String> dev = api.http.send(up.http("/api/health").header("Origin", "http://localhost:5173").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("http://localhost:5173", dev.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        HttpResponse<String> stranger = api.http.send(up.http("/api/jobs").header("Origin", "http://evil.example").header("Content-Type",
                        "application/yaml").POST(java.net.http.HttpRequest.BodyPublishers.ofString(ok)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, stranger.statusCode());
        assertEquals(stored, total(""), "nothing stored from a refused origin");

        // the event stream and metrics answer as documented
        HttpURLConnection events = (HttpURLConnection) URI.create("http://127.0.0.1:" + up.httpPort + "/api/events")
                .toURL().openConnection();
        events.setRequestProperty("Authorization", up.bearer());
        events.setReadTimeout(10_000);
        assertEquals(200, events.getResponseCode());
        assertEquals("text/event-stream", events.getContentType().split(";")[0]);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(events.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("retry: 2000", r.readLine());
        }
        events.disconnect();
        api.called.add("GET /api/events");
        HttpResponse<String> metrics = api.get("/metrics", 200);
        for (String name : List.of("orchion_nodes{status=\"READY\"}", "orchion_jobs{state=\"CANCELLED\"}",
                "orchion_queue_depth", "orchion_placement_latency_seconds_bucket", "orchion_heartbeats_total",
                "orchion_http_requests_total{method=\"POST\",status=\"415\"}", "orchion_grpc_requests_total",
                "orchion_log_bytes_total", "jvm_memory_used_bytes", "jvm_threads_current")) {
            assertTrue(metrics.body().contains(name), name + " in /metrics");
        }

        // who the token is, and the audit log of what this test changed
        assertTrue(api.get("/api/auth/whoami", 200).body().contains("\"role\":\"admin\""));
        HttpResponse<String> audit = api.get("/api/audit?limit=500&actor=token:admin", 200);
        assertTrue(audit.body().contains("\"action\":\"job.submit\""), audit.body());
        expect(api.get("/api/audit?limit=0", 400), "limit");
        expect(api.get("/api/audit?since=yesterday", 400), "since");

        // the model gateway's routes, with no model served here (GatewayIT calls real replicas): an
        // empty list, and each call a 404 in OpenAI's shape
        assertTrue(api.get("/v1/models", 200).body().contains("\"object\":\"list\""));
        for (String call : List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings")) {
            HttpResponse<String> none = api.call("POST", call, "application/json", "{\"model\": \"none\"}", 404);
            assertTrue(none.body().contains("The model 'none' does not exist"), none.body());
            assertEquals("model_not_found", RestApi.JSON.readTree(none.body()).path("error").path("code").asText());
        }

        assertEquals(api.documented(), api.called, "every documented operation was called");
    }

    int total(String filters) throws Exception {
        return RestApi.JSON.readTree(api.get("/api/jobs?limit=1" + filters, 200).body()).get("total").asInt();
    }

    static void expect(HttpResponse<String> r, String text) {
        assertTrue(r.body().contains(text), text + " in " + r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse("").split(";")[0]);
    }

    /** One SSE connection read on this thread until {@code until} events or the timeout. */
    record Sse(List<String[]> events, String lastId) {
    }

    Sse read(String lastEventId, int until, Duration timeout) throws Exception {
        return read(lastEventId, until, timeout, null);
    }

    /**
     * Reads events until {@code until} or the timeout; {@code opened}, if given, is counted down when
     * the stream's first line ({@code retry:}) arrives: from then on every event published reaches it
     * (the servlet registers the stream under the same lock that publishing takes).
     */
    Sse read(String lastEventId, int until, Duration timeout, java.util.concurrent.CountDownLatch opened)
            throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + up.httpPort + "/api/events").toURL()
                .openConnection();
        c.setRequestProperty("Authorization", up.bearer());
        if (lastEventId != null) {
            c.setRequestProperty("Last-Event-ID", lastEventId);
        }
        c.setReadTimeout((int) timeout.toMillis());
        List<String[]> got = new ArrayList<>();
        String id = lastEventId;
        String event = null;
        long end = System.nanoTime() + timeout.toNanos();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (got.size() < until && System.nanoTime() < end && (line = r.readLine()) != null) {
                if (line.startsWith("retry: ") && opened != null) {
                    opened.countDown();
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ") && event != null) {
                    got.add(new String[] { id, event, line.substring(6) });
                    event = null;
                }
            }
        } catch (java.net.SocketTimeoutException e) {
            // fewer than asked for: the caller checks
        } finally {
            c.disconnect(); // the client goes away
        }
        return new Sse(got, id);
    }

    @Test
    void logLevelsChangeAtRunTimeFromTheShell() throws Exception {
        Instance.Shell quiet = up.shell("orchion:loglevel io.orchion.registry ERROR");
        assertEquals(0, quiet.status(), quiet.err());
        assertTrue(quiet.out().contains("io.orchion.registry logs at ERROR"), quiet.out());
        Instance.Shell shown = up.shell("orchion:loglevel");
        assertTrue(shown.out().contains("io.orchion.registry") && shown.out().contains("ERROR")
                && shown.out().contains("ROOT"), shown.out());
        fakeNode("quiet-1", "quiet-one");
        Instance.Shell loud = up.shell("orchion:loglevel io.orchion.registry INFO");
        assertEquals(0, loud.status(), loud.err());
        fakeNode("loud-1", "loud-one");
        up.awaitLog("node loud-one (loud-1) joined", Duration.ofSeconds(10));
        assertFalse(up.output().contains("node quiet-one (quiet-1) joined"), "INFO was off for the registry");
        Instance.Shell bad = up.shell("orchion:loglevel io.orchion.registry LOUD");
        assertTrue(bad.status() != 0 && (bad.err() + bad.out()).contains("level: 'LOUD' is not one of"), bad.err());
        api.call("DELETE", "/api/nodes/quiet-1", null, null, 200);
        api.call("DELETE", "/api/nodes/loud-1", null, null, 200);
    }

    /** Reads a followed log until {@code end} or {@code max} lines: [seq, event, data] per event. */
    List<String[]> follow(String path, String lastEventId, int max) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + up.httpPort + path).toURL()
                .openConnection();
        c.setRequestProperty("Authorization", up.bearer());
        if (lastEventId != null) {
            c.setRequestProperty("Last-Event-ID", lastEventId);
        }
        c.setReadTimeout(20_000);
        assertEquals("text/event-stream", c.getContentType().split(";")[0]);
        List<String[]> got = new ArrayList<>();
        String id = null;
        String event = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (got.size() < max && (line = r.readLine()) != null) {
                if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ") && event != null) {
                    got.add(new String[] { id, event, line.substring(6) });
                    if (event.equals("end")) {
                        break;
                    }
                    event = null;
                }
            }
        } finally {
            c.disconnect();
        }
        return got;
    }

    @Test
    void aJobsLogIsPagedTailedAndFollowedToItsEndAndResumes() throws Exception {
        String id = RestApi.field(api.call("POST", "/api/jobs", "application/yaml", "name: talker\nruntime: process\n"
                + "process: { command: [\"sh\", \"-c\", \"for i in $(seq 1 50); do echo line $i; sleep 0.02; done\"] }\n",
                201).body(), "id");
        // followed from the start while it runs: every line in order, then end
        List<String[]> followed = follow("/api/jobs/" + id + "/logs?follow=true", null, 1000);
        String[] end = followed.get(followed.size() - 1);
        assertEquals("end", end[1], "the stream ends with end");
        List<String> texts = followed.stream().filter(e -> e[1].equals("line"))
                .map(e -> RestApi.field0(e[2], "text")).toList();
        List<String> want = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            want.add("line " + i);
        }
        assertEquals(want, texts.stream().filter(t -> t.startsWith("line ")).toList());
        for (String[] e : followed) {
            if (e[1].equals("line")) {
                api.validate(api.doc.at("/components/schemas/LogLine"), RestApi.JSON.readTree(e[2]), "a line event");
            }
        }
        api.validate(api.doc.at("/components/schemas/LogEnd"), RestApi.JSON.readTree(end[2]), "the end event");
        // resumed after line 20's seq: the rest, nothing twice
        String seq20 = followed.stream().filter(e -> e[1].equals("line") && e[2].contains("\"line 20\"")).findFirst()
                .orElseThrow()[0];
        List<String> rest = follow("/api/jobs/" + id + "/logs?follow=true", seq20, 1000).stream()
                .filter(e -> e[1].equals("line")).map(e -> RestApi.field0(e[2], "text"))
                .filter(t -> t.startsWith("line ")).toList();
        assertEquals(want.subList(20, 50), rest);
        // a page and the tail
        JsonNode page = RestApi.JSON.readTree(api.get("/api/jobs/" + id + "/logs?after=0&limit=5", 200).body());
        assertEquals(5, page.get("lines").size());
        JsonNode whole = RestApi.JSON.readTree(api.get("/api/jobs/" + id + "/logs", 200).body());
        assertTrue(whole.get("ended").asBoolean(), "the job's log has ended: " + whole.get("lastSeq"));
        JsonNode tail = RestApi.JSON.readTree(api.get("/api/jobs/" + id + "/logs?tail=3", 200).body());
        assertEquals(3, tail.get("lines").size());
        assertEquals(page.get("lastSeq").asText(), tail.get("lines").get(2).get("seq").asText());
        assertTrue(api.get("/metrics", 200).body().lines().anyMatch(l -> l.startsWith("orchion_log_bytes_total ")
                && !l.endsWith(" 0.0")), "log bytes counted");
    }

    @Test
    void anSseClientThatDisconnectsAndResumesWithLastEventIdMissesNoEvent() throws Exception {
        fakeNode("sse-1", "sse-one");
        // a first connection sees two drains (made once it is open), then goes away
        java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
        Thread gen = new Thread(() -> {
            try {
                if (!opened.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    return; // the stream never opened: the reader below fails on its count
                }
                api.raw("POST", "/api/nodes/sse-1/drain", null, null);
                api.raw("POST", "/api/nodes/sse-1/undrain", null, null);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        gen.start();
        Sse first = read(null, 2, Duration.ofSeconds(10), opened);
        gen.join();
        assertEquals(2, first.events().size(), "the first connection's events");
        // while it is away: node changes, jobs submitted and cancelled, a strategy switch
        api.raw("POST", "/api/nodes/sse-1/drain", null, null);
        String job = RestApi.field(api.raw("POST", "/api/jobs", "application/yaml",
                "name: sse-job\nruntime: process\nprocess: { command: [\"true\"] }\nresources: { cpu: 999 }\n").body(), "id");
        api.raw("DELETE", "/api/jobs/" + job, null, null);
        // the scheduler's status is compared each second, so switches within one may coalesce: each
        // switch waits until a watcher (resuming from the first connection's last id, so the first
        // connection stays away) has seen it published
        api.raw("PUT", "/api/scheduler", "application/json", "{\"strategy\": \"round-robin\"}");
        awaitEvent(first.lastId(), "scheduler", "\"active\":\"round-robin\"");
        api.raw("PUT", "/api/scheduler", "application/json", "{\"strategy\": \"bin-packing\"}");
        awaitEvent(first.lastId(), "scheduler", "\"active\":\"bin-packing\"");
        api.raw("DELETE", "/api/nodes/sse-1", null, null);
        // the second connection resumes after the last id seen
        Sse second = read(first.lastId(), 1000, Duration.ofSeconds(3));
        List<String[]> all = new ArrayList<>(first.events());
        all.addAll(second.events());
        for (int i = 1; i < all.size(); i++) {
            assertEquals(Long.parseLong(all.get(i - 1)[0]) + 1, Long.parseLong(all.get(i)[0]),
                    "ids follow each other: nothing missed between " + all.get(i - 1)[0] + " and " + all.get(i)[0]);
        }
        Set<String> seen = new TreeSet<>();
        for (String[] e : all) {
            String data = e[2];
            if (e[1].equals("node") && data.contains("\"id\":\"sse-1\"")) {
                seen.add("node " + RestApi.field(data, "change"));
            } else if (e[1].equals("scheduler")) {
                seen.add("scheduler " + RestApi.field(data, "active"));
            } else if (e[1].equals("job") && data.contains(job)) {
                seen.add("job " + RestApi.JSON.readTree(data).get("job").get("state").asText());
            }
        }
        assertTrue(seen.containsAll(Set.of("node DRAINED", "node UNREGISTERED", "scheduler round-robin",
                "scheduler bin-packing")), seen.toString());
        assertTrue(seen.containsAll(Set.of("job PENDING", "job CANCELLED")), "job events: " + seen);
        assertEquals(3, all.stream().filter(e -> e[1].equals("node") && e[2].contains("\"change\":\"DRAINED\"")
                && e[2].contains("\"id\":\"sse-1\"")).count(), "drain, undrain, drain");

        // an id from before this process (or too old) gets a reset
        Sse old = read("5", 1, Duration.ofSeconds(5));
        assertEquals("reset", old.events().get(0)[1]);
        assertEquals("{}", old.events().get(0)[2]);
    }

    /** Waits (10 s at most) until the stream, resumed after {@code after}, holds an event of that type with that text. */
    void awaitEvent(String after, String type, String text) throws Exception {
        Instance.await(Duration.ofSeconds(10), () -> {
            try {
                return read(after, 1000, Duration.ofSeconds(2)).events().stream()
                        .anyMatch(e -> e[1].equals(type) && e[2].contains(text));
            } catch (Exception e) {
                return false;
            }
        }, () -> "a " + type + " event with " + text);
    }
}
