package io.orchion.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import org.eclipse.jetty.http.HttpTester;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.orchion.api.security.Role;

/**
 * {@code /api/*} ({@code ApiServlet}) in Jetty, on requests with fuzzed method, path, query,
 * headers (Content-Type, Content-Length, Accept, Origin, Last-Event-ID), body, the token (admin,
 * operator, viewer, none or anything) and the path's spelling (percent-encoded letters, dot
 * segments, path parameters, doubled and trailing slashes, encoded separators). For every input:
 * an answer within {@link ApiServer#ANSWER_MS}, never a 5xx, no exception escaping the servlet,
 * every 4xx under {@code /api} (the servlet's, the filter's and Jetty's own) is
 * {@code application/problem+json}, every JSON body parses, and no 2xx for a token whose role is
 * weaker than the role of the route the container read the path as.
 */
class ApiServletFuzzTest {
    static final String[] METHODS = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH" };
    static final String[] TYPES = { "application/json", "application/yaml", "application/x-yaml", "text/yaml",
            "application/json; charset=utf-8", "text/plain", "APPLICATION/JSON", "" };
    static final String[] PARAMS = { "state", "node", "label", "limit", "pageToken", "strategy", "after", "tail",
            "follow", "lastEventId" };
    static final ObjectMapper JSON = new ObjectMapper();
    private static ApiServer server;
    private static List<String> routes;
    private static List<ApiWorld.RouteRule> rules;

    @DictionaryEntries({ "/api/", "/jobs", "/nodes", "/scheduler", "/preview", "/plugins", "/health", "/logs", "/drain",
            "/undrain", "/telemetry", "/openapi.json", "n1", "alpha", "hello-00000001", "web-00000003", "round-robin",
            "follow=true", "limit=", "tail=", "after=", "pageToken=", "state=", "label=", "node=", "strategy=",
            "{\"strategy\":", "name: ", "runtime: ", "process: { command: [echo] }", "%2F", "%25", "%00", "/audit",
            "/auth/whoami", "/./", "/../", ";x", "//", "%2e", "%2E%2E", "%69", "%5C", "\\" })
    @FuzzTest(maxDuration = "60s")
    void request(FuzzedDataProvider data) throws Exception {
        Request r = Request.from(data, routes());
        try (ApiWorld world = new ApiWorld()) {
            ApiServer s = server();
            s.serve(world.servlet);
            ApiServer.Answer answer = s.exchange(r.bytes(), r.truncated());
            check(r, answer, s.escapes);
        }
    }

    static void check(Request r, ApiServer.Answer answer, ApiServer.Escapes escapes) throws Exception {
        String request = r.printable();
        Throwable escaped = escapes.escaped.get();
        if (escaped != null) {
            throw new AssertionError("an exception escaped the API servlet on\n" + request, escaped);
        }
        assertTrue(answer.complete(), () -> "no answer within " + ApiServer.ANSWER_MS + " ms (a hang) on\n" + request
                + "\nso far:\n" + answer.raw());
        if (answer.raw().isEmpty()) {
            // a client that half-closes in the middle of its body gets no answer: nothing to check
            assertTrue(r.truncated(), () -> "the connection closed without an answer on\n" + request);
            return;
        }
        HttpTester.Response resp = answer.closed()
                ? (r.method().equals("HEAD") ? HttpTester.parseHeadResponse(answer.raw())
                        : HttpTester.parseResponse(answer.raw()))
                : HttpTester.parseHeadResponse(answer.raw());
        assertTrue(resp != null && resp.getStatus() > 0, () -> "not an HTTP answer:\n" + answer.raw() + "\non\n" + request);
        int status = resp.getStatus();
        String type = resp.get("Content-Type") == null ? "" : resp.get("Content-Type").toLowerCase(Locale.ROOT);
        // only /api/* is the API's: elsewhere this context has nothing (Felix serves the dashboard there)
        boolean api = escapes.reached.get() || r.target().equals("/api") || r.target().startsWith("/api/")
                || r.target().startsWith("/api?");
        if (status >= 500 && api) {
            fail("status " + status + " on\n" + request + "\nanswer:\n" + answer.raw());
        }
        if (status >= 200 && status < 300 && api && !r.method().equals("OPTIONS")) {
            // the role the route the container read this path as needs (what a handler acts on)
            Role needs = needs(r.method(), escapes.containerPath.get());
            Role has = r.role();
            if (has == null || !has.allows(needs)) {
                fail("a " + status + " for " + (has == null ? "no valid token" : "a " + has.label() + " token")
                        + " on a route that needs " + needs.label() + " (the container read the path as '"
                        + escapes.containerPath.get() + "') on\n" + request + "\nanswer:\n" + answer.raw());
            }
        }
        boolean hasBody = answer.closed() && !r.method().equals("HEAD") && status != 204 && status != 304;
        if ((escapes.reached.get() || api) && status >= 400) {
            assertTrue(type.startsWith("application/problem+json"),
                    () -> "a " + status + " from the API is not a problem+json on\n" + request + "\nanswer:\n" + answer.raw());
            if (hasBody) {
                JsonNode problem = JSON.readTree(resp.getContent());
                assertEquals(status, problem.path("status").asInt(), () -> "problem status on\n" + request);
                assertTrue(!problem.path("detail").asText().isBlank(), () -> "problem without detail on\n" + request);
            }
        }
        if (hasBody && (type.startsWith("application/json") || type.startsWith("application/problem+json"))) {
            try {
                JSON.readTree(resp.getContent());
            } catch (Exception e) {
                throw new AssertionError("a JSON body that does not parse on\n" + request + "\nanswer:\n" + answer.raw(), e);
            }
        }
    }

    private static synchronized ApiServer server() throws Exception {
        if (server == null) {
            server = new ApiServer();
        }
        return server;
    }

    /**
     * The role of the route at a path as the container decoded and normalised it, by the table's
     * templates; admin where no route of this method lives there (nothing but an admin's request
     * may succeed on a path the harness cannot place).
     */
    static Role needs(String method, String containerPath) throws ReflectiveOperationException {
        String m = method.equals("HEAD") ? "GET" : method;
        String p = containerPath.length() > 1 && containerPath.endsWith("/")
                ? containerPath.substring(0, containerPath.length() - 1) : containerPath;
        synchronized (ApiServletFuzzTest.class) {
            if (rules == null) {
                rules = ApiWorld.routes();
            }
        }
        for (ApiWorld.RouteRule rule : rules) {
            if (rule.method().equals(m) && java.util.regex.Pattern.matches(
                    rule.path().replace(".", "\\.").replaceAll("\\{[a-zA-Z]+\\}", "[^/]+"), p)) {
                return rule.role();
            }
        }
        return Role.ADMIN;
    }

    private static synchronized List<String> routes() throws ReflectiveOperationException {
        if (routes == null) {
            routes = ApiWorld.routePaths();
        }
        return routes;
    }

    /** One fuzzed request, framed by the harness: the request line and header lines are always well formed. */
    record Request(String method, String target, List<String[]> headers, byte[] body, boolean truncated) {

        static Request from(FuzzedDataProvider data, List<String> routes) {
            String method = data.consumeInt(0, 9) < 9 ? data.pickValue(METHODS) : token(data.consumeString(10), "GET");
            String path;
            if (data.consumeInt(0, 7) > 0) {
                path = "/api" + data.pickValue(routes).replaceAll("\\{[a-zA-Z]+\\}",
                        java.util.regex.Matcher.quoteReplacement(id(data)));
                if (data.consumeInt(0, 7) == 0) {
                    path += data.consumeString(12);
                }
            } else {
                path = "/api" + data.consumeString(40);
            }
            for (int spell = data.consumeInt(0, 9) - 6; spell > 0; spell--) {
                path = spell(data, path);
            }
            String target = encode(path.startsWith("/") ? path : "/" + path, false);
            if (data.consumeBoolean()) {
                StringBuilder q = new StringBuilder();
                for (int i = data.consumeInt(1, 4); i > 0; i--) {
                    q.append(q.isEmpty() ? "" : "&")
                            .append(data.consumeInt(0, 5) > 0 ? data.pickValue(PARAMS) : data.consumeString(8)).append('=')
                            .append(data.consumeString(24));
                }
                target += "?" + encode(q.toString(), true);
            }
            List<String[]> headers = new java.util.ArrayList<>();
            // mostly the admin token, so requests get past the auth filter to the API; also an
            // operator's, a viewer's, none, and anything at all
            int auth = data.consumeInt(0, 11);
            if (auth < 6) {
                headers.add(new String[] { "Authorization", "Bearer " + ApiServer.Auth.ADMIN });
            } else if (auth < 8) {
                headers.add(new String[] { "Authorization", "Bearer " + ApiServer.Auth.OPERATOR });
            } else if (auth < 10) {
                headers.add(new String[] { "Authorization", "Bearer " + ApiServer.Auth.VIEWER });
            } else if (auth == 10) {
                headers.add(new String[] { "Authorization", data.consumeString(60) });
            }
            if (data.consumeInt(0, 3) > 0) {
                headers.add(new String[] { "Content-Type", data.consumeInt(0, 5) > 0 ? data.pickValue(TYPES) : data.consumeString(40) });
            }
            if (data.consumeBoolean()) {
                headers.add(new String[] { "Accept", data.consumeBoolean() ? "application/json" : data.consumeString(40) });
            }
            if (data.consumeInt(0, 5) == 0) {
                headers.add(new String[] { "Origin", data.consumeBoolean() ? "http://localhost:5173" : data.consumeString(30) });
            }
            if (data.consumeInt(0, 5) == 0) {
                headers.add(new String[] { "Last-Event-ID", data.consumeString(20) });
            }
            int lengthMode = data.consumeInt(0, 7);
            String fuzzedLength = lengthMode == 0 ? data.consumeString(12) : null;
            byte[] body = data.consumeRemainingAsBytes();
            boolean truncated = false;
            if (lengthMode == 0) {
                // any Content-Length: a longer one than the body ends in a half-close, as a client that gave up
                headers.add(new String[] { "Content-Length", fuzzedLength });
                truncated = true;
            } else if (lengthMode == 1) {
                body = new byte[0];
            } else {
                headers.add(new String[] { "Content-Length", Integer.toString(body.length) });
            }
            headers.replaceAll(h -> new String[] { h[0], clean(h[1]) });
            return new Request(method, target, headers, body, truncated);
        }

        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: localhost\r\nConnection: close\r\n");
            headers.forEach(h -> head.append(h[0]).append(": ").append(h[1]).append("\r\n"));
            out.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
            out.writeBytes(body);
            return out.toByteArray();
        }

        String printable() {
            String text = new String(bytes(), StandardCharsets.UTF_8);
            return text.length() > 4000 ? text.substring(0, 4000) + "..." : text;
        }

        /** The role of the token this request sends, or null (none, or not a token of the harness). */
        Role role() {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase("Authorization")) {
                    String v = h[1];
                    return v.equals("Bearer " + ApiServer.Auth.ADMIN) ? Role.ADMIN
                            : v.equals("Bearer " + ApiServer.Auth.OPERATOR) ? Role.OPERATOR
                            : v.equals("Bearer " + ApiServer.Auth.VIEWER) ? Role.VIEWER : null;
                }
            }
            return null;
        }

        /**
         * Another spelling of (about) the same path: a letter percent-encoded, a dot segment, a
         * segment and its {@code ..}, a path parameter, a doubled or trailing slash, an encoded
         * separator or dot, an encoded percent or a backslash.
         */
        static String spell(FuzzedDataProvider data, String path) {
            int at = path.isEmpty() ? 0 : data.consumeInt(0, path.length() - 1);
            int slash = path.indexOf('/', Math.max(1, at));
            if (slash < 0) {
                slash = path.length();
            }
            return switch (data.consumeInt(0, 9)) {
                case 0 -> {
                    char c = path.isEmpty() ? 'a' : path.charAt(at);
                    yield Character.isLetterOrDigit(c) ? path.substring(0, at) + String.format("%%%02x", (int) c)
                            + path.substring(at + 1) : path;
                }
                case 1 -> path.substring(0, slash) + "/." + path.substring(slash);
                case 2 -> path.substring(0, slash) + "/jobs/.." + path.substring(slash);
                case 3 -> path.substring(0, slash) + ";" + data.consumeString(3) + path.substring(slash);
                case 4 -> path.substring(0, slash) + "/" + path.substring(slash);
                case 5 -> path + "/";
                case 6 -> slash < path.length() ? path.substring(0, slash) + "%2F" + path.substring(slash + 1) : path;
                case 7 -> path.substring(0, slash) + (data.consumeBoolean() ? "/%2e" : "/%2e%2e") + path.substring(slash);
                case 8 -> path.substring(0, at) + "%25" + path.substring(at);
                default -> path.substring(0, slash) + "\\" + path.substring(slash);
            };
        }

        private static String id(FuzzedDataProvider data) {
            return switch (data.consumeInt(0, 4)) {
                case 0 -> data.pickValue(ApiWorld.NODE_IDS);
                case 1 -> data.pickValue(ApiWorld.NODE_NAMES);
                case 2, 3 -> data.pickValue(ApiWorld.JOB_IDS);
                default -> data.consumeString(20);
            };
        }

        /** Percent-encodes (UTF-8) what may not stand in a request target; '%' stays, so escapes are fuzzed too. */
        static String encode(String s, boolean query) {
            StringBuilder sb = new StringBuilder();
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                char c = (char) (b & 0xff);
                if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@/%".indexOf(c) >= 0
                        || (query && c == '?'))) {
                    sb.append(c);
                } else {
                    sb.append('%').append(String.format("%02X", (int) c));
                }
            }
            return sb.toString();
        }

        private static String token(String s, String fallback) {
            String t = s.replaceAll("[^A-Za-z0-9!#$%&'*+.^_`|~-]", "");
            return t.isEmpty() ? fallback : t;
        }

        /** A header value on one line. */
        private static String clean(String v) {
            return v.replace("\r", "").replace("\n", "");
        }
    }
}
