package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.orchion.proto.v1.GetHealthRequest;
import io.orchion.proto.v1.Health;
import io.orchion.proto.v1.SubmitJobRequest;

/**
 * An operator submitting large specs to an orchestrator with a small heap (128 MiB, no agents, so
 * every job stays pending and is kept): specs just under the limits are accepted, specs over them
 * are refused with a 400 naming the limit (and over gRPC and in the shell alike), no request ever
 * gets a 5xx, and {@code /api/health} answers what the process is in (503 only when DOWN, a reason
 * whenever it is not UP).
 */
class SpecLimitsIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int LIMIT = 64 << 10;
    static final int MAX_SUBMISSIONS = 1200;
    static final Duration MAX_TIME = Duration.ofSeconds(150);

    @TempDir
    Path root;
    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> post(Instance o, byte[] body) throws Exception {
        return http.send(o.http("/api/jobs").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(Instance o, String path) throws Exception {
        return http.send(o.http(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A pending-forever process job of {@code bytes} bytes: its size is in eight env values. */
    static byte[] spec(int n, int bytes) {
        String head = "{\"name\": \"big-" + n + "\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"],"
                + " \"env\": {";
        StringBuilder sb = new StringBuilder(head);
        int room = bytes - head.length() - "}}}".length() - 8 * "\"Vx\": \"\", ".length() + 2;
        for (int i = 0; i < 8; i++) {
            sb.append(i == 0 ? "" : ", ").append("\"V").append(i).append("\": \"")
                    .append(String.valueOf((char) ('a' + (n + i) % 26)).repeat(room / 8 + (i < room % 8 ? 1 : 0)))
                    .append('"');
        }
        byte[] b = sb.append("}}}").toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(bytes, b.length, "the spec is the size meant");
        return b;
    }

    static void refused(HttpResponse<String> r, String... texts) {
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        for (String t : texts) {
            assertTrue(r.body().contains(t), t + " in " + r.body());
        }
    }

    /** /api/health, checked for honesty: 503 exactly when DOWN, reasons exactly when not UP. */
    String health(Instance o) throws Exception {
        HttpResponse<String> r = get(o, "/api/health");
        JsonNode h = JSON.readTree(r.body());
        String status = h.path("status").asText();
        assertTrue(List.of("UP", "DEGRADED", "DOWN").contains(status), r.body());
        assertEquals(status.equals("DOWN") ? 503 : 200, r.statusCode(), r.body());
        JsonNode reasons = h.path("reasons");
        assertTrue(reasons.isArray(), r.body());
        assertEquals(status.equals("UP"), reasons.isEmpty(), r.body());
        for (JsonNode reason : reasons) {
            assertTrue(reason.asText().startsWith("heap ") || reason.asText().startsWith("out of memory"), r.body());
        }
        return status;
    }

    @Test
    void largeSpecsAreBoundedNoRequestGetsA5xxAndHealthSaysWhatTheProcessIsIn() throws Exception {
        Instance o = Instance.orchestrator(root, "small-heap");
        o.env.put("ORCHION_JAVA_OPTS", "-Xmx128m");
        try (o) {
            o.start();

            // over the limits: refused naming the field and the limit, before anything is kept
            refused(post(o, spec(0, LIMIT + 1)), "spec", "64 KiB");
            refused(post(o, spec(0, 1_000_000)), "spec", "64 KiB");
            String envName = "{\"name\": \"eq\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"],"
                    + " \"env\": {\"A=B\": \"c\"}}}";
            refused(post(o, envName.getBytes(StandardCharsets.UTF_8)), "process.env", "'A=B'", "no '='");
            // a label value whose bytes are not UTF-8: refused naming where, never stored with U+FFFD
            byte[] label = ("{\"name\": \"utf\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"]},"
                    + " \"labels\": {\"team\": \"ml?\"}}").getBytes(StandardCharsets.US_ASCII);
            int at = new String(label, StandardCharsets.US_ASCII).indexOf("ml?") + 2;
            label[at] = (byte) 0xff;
            refused(post(o, label), "body", "not valid UTF-8", "byte " + at);
            String replaced = "{\"name\": \"rc\", \"runtime\": \"process\", \"process\": {\"command\": [\"true\"]},"
                    + " \"labels\": {\"team\": \"ml\uFFFD\"}}";
            refused(post(o, replaced.getBytes(StandardCharsets.UTF_8)), "labels.team", "U+FFFD");
            // the same limits over gRPC (INVALID_ARGUMENT) and in the shell, from the one parser
            StatusRuntimeException big = assertThrows(StatusRuntimeException.class, () -> o.jobs()
                    .withDeadlineAfter(10, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder()
                            .setSpec(new String(spec(0, LIMIT + 1), StandardCharsets.UTF_8)).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, big.getStatus().getCode(), big.getMessage());
            assertTrue(big.getStatus().getDescription().contains("64 KiB"), big.getMessage());
            StatusRuntimeException eq = assertThrows(StatusRuntimeException.class, () -> o.jobs()
                    .withDeadlineAfter(10, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder().setSpec(envName).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, eq.getStatus().getCode(), eq.getMessage());
            assertTrue(eq.getStatus().getDescription().contains("process.env"), eq.getMessage());
            Path file = root.resolve("big.json");
            Files.write(file, spec(0, LIMIT + 1));
            Instance.Shell shell = o.shell("orchion:submit " + file);
            assertEquals(1, shell.status(), shell.out());
            assertTrue(shell.err().contains("64 KiB"), shell.err());
            Files.write(file, label);
            shell = o.shell("orchion:submit " + file);
            assertEquals(1, shell.status(), shell.out());
            assertTrue(shell.err().contains("not valid UTF-8") && shell.err().contains("byte " + at), shell.err());
            assertEquals(0, JSON.readTree(get(o, "/api/jobs").body()).path("total").asInt(-1), "a refused spec stores nothing");
            assertEquals("UP", health(o));

            // specs just under the limit until the heap says trouble, or a bounded number of them
            long end = System.nanoTime() + MAX_TIME.toNanos();
            int accepted = 0;
            List<String> states = new ArrayList<>();
            for (int n = 1; n <= MAX_SUBMISSIONS && System.nanoTime() < end; n++) {
                HttpResponse<String> r = post(o, spec(n, LIMIT - 16));
                if (r.statusCode() >= 500) {
                    fail("submission " + n + " answered " + r.statusCode() + " (health: " + get(o, "/api/health").body()
                            + "): " + r.body());
                }
                if (r.statusCode() == 201) {
                    accepted++;
                } else {
                    assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, r.statusCode() + ": " + r.body());
                    assertEquals("application/problem+json",
                            r.headers().firstValue("Content-Type").orElse("").split(";")[0], r.body());
                }
                if (n % 5 == 0) {
                    refused(post(o, spec(n, LIMIT + 1024)), "spec", "64 KiB");
                    String state = health(o);
                    states.add(state);
                    if (!state.equals("UP")) {
                        break; // trouble reported before any request failed: what an operator needs
                    }
                }
            }
            System.out.println("SpecLimitsIT: " + accepted + " specs just under the limit accepted; health " + states);
            assertTrue(accepted > 0, "no spec just under the limit was accepted");
            assertFalse(states.isEmpty(), "health was never asked");

            // the instance still answers its listings, and health is still consistent with itself
            HttpResponse<String> list = get(o, "/api/jobs?limit=5");
            assertEquals(200, list.statusCode(), list.body());
            assertEquals(accepted, JSON.readTree(list.body()).path("total").asInt(), list.body());
            health(o);
            Health grpcHealth = o.grpc().getHealth(GetHealthRequest.getDefaultInstance());
            assertTrue(List.of("UP", "DEGRADED", "DOWN").contains(grpcHealth.getStatus()), grpcHealth.toString());
            assertEquals(grpcHealth.getStatus().equals("UP"), grpcHealth.getReasonsList().isEmpty(), grpcHealth.toString());
            assertFalse(o.output().contains("OutOfMemoryError"), o.tail());
        }
    }
}
