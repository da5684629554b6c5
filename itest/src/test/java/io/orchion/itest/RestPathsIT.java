package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The REST API's paths on a real all-in-one instance, over raw loopback sockets (no client
 * library normalises the request line): every spelling of an admin or operator route gets that
 * route's role decision or a 400 problem, never the admin's data; audit entries name the route's
 * action and target whatever the spelling; errors Jetty answers before any servlet (414, 431, an
 * ambiguous URI) and errors servlets send are problem documents; dashboard pages may not be framed
 * and carry a content security policy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestPathsIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern API_TOKEN = Pattern.compile("oat1\\.[0-9a-f]{10}\\.[A-Za-z0-9_-]{43}");
    @TempDir
    static Path root;
    Instance up;
    final Map<String, String> tokens = new HashMap<>();
    String nodeId;

    @BeforeAll
    void start() throws Exception {
        up = Instance.up(root, "up", "--name", "local").start();
        tokens.put("admin", up.adminToken());
        for (String role : List.of("viewer", "operator")) {
            Instance.Shell sh = up.shell("orchion:token create --role " + role + " --name " + role.charAt(0));
            Matcher m = API_TOKEN.matcher(sh.out());
            assertTrue(sh.status() == 0 && m.find(), sh.out() + sh.err());
            tokens.put(role, m.group());
        }
        Instance.await(Duration.ofSeconds(30), () -> {
            try {
                JsonNode nodes = JSON.readTree(send("GET", "/api/nodes", tokens.get("admin")).body());
                if (nodes.isArray() && !nodes.isEmpty()) {
                    nodeId = nodes.get(0).get("id").asText();
                }
                return nodeId != null;
            } catch (IOException e) {
                return false;
            }
        }, () -> "the local agent's node to be registered");
    }

    @AfterAll
    void stop() throws Exception {
        if (up != null) {
            up.close();
        }
    }

    record Answer(int status, Map<String, String> headers, String body) {
        String type() {
            return headers.getOrDefault("content-type", "").split(";")[0].trim();
        }
    }

    Answer send(String method, String target, String token) throws IOException {
        return send(method, target, token, "");
    }

    /** One request with its request line exactly as written, on a fresh loopback connection. */
    Answer send(String method, String target, String token, String extraHeaders) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), up.httpPort)) {
            s.setSoTimeout(15_000);
            StringBuilder req = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(up.httpPort).append("\r\nConnection: close\r\n").append(extraHeaders);
            if (token != null) {
                req.append("Authorization: Bearer ").append(token).append("\r\n");
            }
            if (method.equals("POST") || method.equals("PUT")) {
                req.append("Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
            } else {
                req.append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String raw = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int head = raw.indexOf("\r\n\r\n");
            assertTrue(head > 0, "no HTTP answer to " + method + " " + target + ": " + raw);
            String[] lines = raw.substring(0, head).split("\r\n");
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            String body = raw.substring(head + 4);
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body = dechunk(body);
            }
            return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
        }
    }

    static String dechunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < chunked.length()) {
            int eol = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, eol).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(chunked, eol + 2, eol + 2 + size);
            at = eol + 2 + size + 2;
        }
        return out.toString();
    }

    static final String[] WHO = { null, "viewer", "operator", "admin" };

    /** Spellings of routes stronger than viewer: {method, target, role the route needs}. */
    List<String[]> sameRoute() {
        String id = nodeId;
        return List.of(
                new String[] { "GET", "/api/audit", "admin" },
                new String[] { "GET", "/api/aud%69t", "admin" },
                new String[] { "GET", "/api/%61udit", "admin" },
                new String[] { "GET", "/api/audit/", "admin" },
                new String[] { "DELETE", "/api/nodes/nope-0000", "admin" },
                new String[] { "DELETE", "/api/nod%65s/nope-0000/", "admin" },
                new String[] { "POST", "/api/nodes/" + id + "/dr%61in", "operator" },
                new String[] { "POST", "/api/nodes/" + id + "/undrain/", "operator" },
                new String[] { "PUT", "/api/schedule%72", "operator" });
    }

    /** Spellings that could be read two ways. */
    List<String[]> ambiguous() {
        String id = nodeId;
        return List.of(
                new String[] { "GET", "/api/./audit" },
                new String[] { "GET", "/api/jobs/../audit" },
                new String[] { "GET", "/api/audit;x" },
                new String[] { "GET", "/api//audit" },
                new String[] { "GET", "/api/aud%2569t" },
                new String[] { "GET", "/api%2Faudit" },
                new String[] { "GET", "/api/jobs/%2e%2e/audit" },
                new String[] { "GET", "/api/audit%00" },
                new String[] { "GET", "/api/aud%5Cit" },
                new String[] { "POST", "/api/nodes/" + id + "/./drain" },
                new String[] { "POST", "/api/nodes/x/../" + id + "/drain" },
                new String[] { "POST", "/api/nodes/" + id + "%2Fdrain" },
                new String[] { "DELETE", "/api/nodes/" + id + ";x" });
    }

    @Test
    void everySpellingGetsItsRoutesRoleDecisionOrABadRequest() throws Exception {
        List<String[]> same = sameRoute();
        List<String[]> odd = ambiguous();
        assertFalse(same.isEmpty());
        assertFalse(odd.isEmpty());
        for (String who : WHO) {
            String token = who == null ? null : tokens.get(who);
            for (String[] r : same) {
                Answer a = send(r[0], r[1], token);
                String what = r[0] + " " + r[1] + " as " + who + ": " + a.status() + " " + a.body();
                assertFalse(!"admin".equals(who) && a.body().contains("\"events\""), "the audit log leaked: " + what);
                if (who == null) {
                    assertEquals(401, a.status(), what);
                } else if (!allows(who, r[2])) {
                    assertEquals(403, a.status(), what);
                    assertTrue(a.body().contains("needs role " + r[2]), what);
                } else {
                    assertTrue(a.status() != 401 && a.status() != 403 && a.status() < 500, what);
                }
                assertTrue(a.status() < 300 || a.type().equals("application/problem+json"), what);
            }
            for (String[] r : odd) {
                Answer a = send(r[0], r[1], token);
                String what = r[0] + " " + r[1] + " as " + who + ": " + a.status() + " " + a.body();
                assertEquals(400, a.status(), what);
                assertEquals("application/problem+json", a.type(), what);
                assertFalse(a.body().contains("Exception") || a.body().contains("\"events\""), what);
            }
        }
        assertTrue(send("GET", "/api/aud%69t", tokens.get("admin")).body().contains("\"events\""));
    }

    static boolean allows(String has, String needs) {
        List<String> order = List.of("viewer", "operator", "admin");
        return order.indexOf(has) >= order.indexOf(needs);
    }

    @Test
    void theAuditNamesTheRoutesActionAndTargetWhateverTheSpelling() throws Exception {
        // when an operator drains and undrains through spelled paths, and an ambiguous one is refused
        assertEquals(200, send("POST", "/api/nodes/" + nodeId + "/dr%61in", tokens.get("operator")).status());
        assertEquals(200, send("POST", "/api/nod%65s/" + nodeId + "/undrain/", tokens.get("operator")).status());
        assertEquals(400, send("POST", "/api/nodes/" + nodeId + "/./drain", tokens.get("operator")).status());
        assertEquals(403, send("POST", "/api/nodes/" + nodeId + "/dr%61in", tokens.get("viewer")).status());
        // then the audit log names node.drain and node.undrain on the node, and nothing as api.*
        JsonNode events = JSON.readTree(send("GET", "/api/audit?limit=1000", tokens.get("admin")).body()).get("events");
        List<String> seen = new ArrayList<>();
        events.forEach(e -> {
            if (e.get("actor").asText().matches("token:[ov]")) {
                seen.add(e.get("actor").asText() + " " + e.get("action").asText() + " " + e.get("target").asText() + " "
                        + e.get("outcome").asText());
            }
        });
        assertFalse(seen.isEmpty(), "no audit entries of the operator or viewer");
        assertTrue(seen.contains("token:o node.drain " + nodeId + " ok"), seen.toString());
        assertTrue(seen.contains("token:o node.undrain " + nodeId + " ok"), seen.toString());
        assertTrue(seen.contains("token:v node.drain " + nodeId + " denied"), seen.toString());
        events.forEach(e -> assertFalse(e.get("action").asText().startsWith("api."), e.toString()));
    }

    @Test
    void errorsBeforeAnyServletAndFromServletsAreProblems() throws Exception {
        String viewer = tokens.get("viewer");
        Map<String, Answer> answers = new java.util.LinkedHashMap<>();
        answers.put("414", send("GET", "/api/jobs/" + "a".repeat(70_000), viewer));
        answers.put("431", send("GET", "/api/nodes", viewer, "X-Big: " + "b".repeat(70_000) + "\r\n"));
        answers.put("431 html", send("GET", "/api/nodes", viewer, "Accept: text/html\r\nX-Big: " + "b".repeat(70_000) + "\r\n"));
        answers.put("400", send("GET", "/api/jobs/%2e%2e/x", viewer));
        answers.put("405", send("POST", "/", viewer)); // the dashboard servlet's own sendError
        assertEquals(List.of(414, 431, 431, 400, 405), answers.values().stream().map(Answer::status).toList(),
                answers.toString());
        answers.forEach((what, a) -> {
            assertEquals("application/problem+json", a.type(), what + ": " + a.body());
            assertTrue(a.body().startsWith("{\"type\":\"about:blank\""), what + ": " + a.body());
            assertFalse(a.body().contains("Exception") || a.body().contains("<"), what + ": " + a.body());
        });
    }

    @Test
    void dashboardPagesMayNotBeFramedAndCarryAPolicy() throws Exception {
        for (String page : List.of("/", "/jobs", "/nodes/x")) {
            Answer a = send("GET", page, null);
            assertEquals(200, a.status(), page);
            assertEquals("DENY", a.headers().get("x-frame-options"), page);
            String csp = a.headers().getOrDefault("content-security-policy", "");
            assertTrue(csp.contains("frame-ancestors 'none'"), page + ": " + csp);
            assertTrue(csp.matches(".*script-src 'self' 'sha256-[A-Za-z0-9+/=]{44}'.*"), page + ": " + csp);
            assertFalse(csp.matches(".*script-src[^;]*'unsafe-inline'.*"), csp);
        }
    }
}
