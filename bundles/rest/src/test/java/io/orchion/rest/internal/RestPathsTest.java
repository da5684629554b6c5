package io.orchion.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;

import io.orchion.api.node.NodeRegistry;
import io.orchion.api.security.ApiTokens;
import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.AuditLog;
import io.orchion.api.security.Principal;
import io.orchion.api.security.Role;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The auth filter and the API servlet in a real Jetty on a loopback socket, sent raw request lines:
 * whatever the spelling of a path, the role it needs is the role of the route it reaches, the audit
 * entry names that route's action and target, and a spelling that could be read two ways is a 400
 * problem. The admin-only audit log carries a marker that no weaker token may ever see.
 */
class RestPathsTest {
    static final String SECRET = "marker-only-admins-see";
    static final Map<String, Principal> TOKENS = Map.of(
            "t-viewer", new Principal("token", "v", Role.VIEWER, "1"),
            "t-operator", new Principal("token", "o", Role.OPERATOR, "2"),
            "t-admin", new Principal("token", "a", Role.ADMIN, "3"));
    static final List<AuditEvent> AUDITED = new CopyOnWriteArrayList<>();
    static Server server;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        ApiTokens tokens = stub(ApiTokens.class, (name, args) -> name.equals("authenticate")
                ? Optional.ofNullable(TOKENS.get((String) args[0])) : null);
        AuditLog audit = stub(AuditLog.class, (name, args) -> {
            if (name.equals("record")) {
                AUDITED.add((AuditEvent) args[0]);
                return null;
            }
            return name.equals("query") ? List.of(new AuditEvent(Instant.EPOCH, "token:a", "node.drain", SECRET,
                    "rest", "ok", "HTTP 200")) : null;
        });
        AuthFilter.Config limits = stub(AuthFilter.Config.class, (name, args) -> switch (name) {
            case "requests_per_second" -> 1e9;
            case "max_body_bytes" -> 1L << 20;
            default -> false;
        });
        AuthFilter filter = new AuthFilter(tokens, limits);
        set(filter, "audit", audit);
        NodeRegistry registry = stub(NodeRegistry.class, (name, args) -> switch (name) {
            case "node" -> Optional.empty();
            case "nodes" -> List.of();
            default -> null;
        });
        RestConfig config = stub(RestConfig.class, (name, args) -> name.equals("cors_origins") ? new String[0] : null);
        ApiServlet api = new ApiServlet(registry, stub(BundleContext.class, (n, a) -> null), config);
        set(api, "auditLog", audit);

        server = new Server();
        server.addConnector(new ProtocolErrors().createConnector(server)); // as Felix HTTP calls it: the error handler
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        context.setContextPath("/");
        // as the whiteboard registers them: the filter on /api/* and /metrics, the servlets beside it
        context.addFilter(new FilterHolder(filter), "/api/*", EnumSet.of(DispatcherType.REQUEST));
        context.addFilter(new FilterHolder(filter), "/metrics", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder("orchion-api", api), "/api/*");
        context.addServlet(new ServletHolder("orchion-metrics", new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                if (req.getParameter("fail") != null) {
                    throw new IllegalStateException("a failure naming internals");
                }
                resp.setContentType("text/plain");
                resp.getWriter().write("orchion_up 1\n");
            }
        }), "/metrics");
        // the whiteboard's error page, as Felix HTTP registers ErrorPageServlet (4xx, 5xx, Throwable)
        org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler errors = new org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler();
        errors.addErrorPage(400, 599, "/errors");
        errors.addErrorPage(Throwable.class, "/errors");
        context.setErrorHandler(errors);
        context.addServlet(new ServletHolder("orchion-errors", new ErrorPageServlet()), "/errors");
        server.setHandler(context);
        server.start();
        port = connector.getLocalPort();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    /** An answer read off the socket: status, headers (lower-case names) and body. */
    record Answer(int status, Map<String, String> headers, String body) {
        String type() {
            return headers.getOrDefault("content-type", "").split(";")[0].trim();
        }
    }

    static Answer send(String method, String target, String token) throws IOException {
        return send(method, target, token, "");
    }

    /** Sends the request line exactly as written (no client library normalises it), with extra header lines. */
    static Answer send(String method, String target, String token, String extra) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1\r\nConnection: close\r\n").append(extra);
            if (token != null) {
                req.append("Authorization: Bearer ").append(token).append("\r\n");
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                req.append("Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
            } else {
                req.append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int head = raw.indexOf("\r\n\r\n");
            String[] lines = raw.substring(0, head).split("\r\n");
            Map<String, String> headers = new java.util.HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, raw.substring(head + 4));
        }
    }

    /** Spellings of routes that need a stronger role than viewer: each the route it stands for. */
    static final List<String[]> SAME_ROUTE = List.of(
            new String[] { "GET", "/api/audit", "admin" },
            new String[] { "GET", "/api/aud%69t", "admin" },
            new String[] { "GET", "/api/%61%75%64%69%74", "admin" },
            new String[] { "GET", "/api/audit/", "admin" },
            new String[] { "HEAD", "/api/aud%69t", "admin" },
            new String[] { "DELETE", "/api/nodes/n1", "admin" },
            new String[] { "DELETE", "/api/nod%65s/n1/", "admin" },
            new String[] { "POST", "/api/nodes/n1/dr%61in", "operator" },
            new String[] { "POST", "/api/nodes/n1/drain/", "operator" },
            new String[] { "PUT", "/api/schedule%72", "operator" },
            new String[] { "POST", "/api/job%73", "operator" });

    /** Spellings that could be read two ways: refused, whoever asks. */
    static final List<String[]> AMBIGUOUS = List.of(
            new String[] { "GET", "/api/./audit" },
            new String[] { "GET", "/api/jobs/../audit" },
            new String[] { "GET", "/api/jobs/%2e%2e/audit" },
            new String[] { "GET", "/api/audit;x" },
            new String[] { "GET", "/api/audit;x=1/" },
            new String[] { "GET", "/api//audit" },
            new String[] { "GET", "/api/audit//" },
            new String[] { "GET", "/api/aud%2569t" },
            new String[] { "GET", "/api%2Faudit" },
            new String[] { "GET", "/api/audit%00" },
            new String[] { "GET", "/api/audit%2e" },
            new String[] { "GET", "/api/aud\\it" },
            new String[] { "GET", "/api/aud%5cit" },
            new String[] { "GET", "/api/audit%zz" },
            new String[] { "GET", "/api/audit%c3" },
            new String[] { "POST", "/api/nodes/n1/./drain" },
            new String[] { "POST", "/api/nodes/x/../n1/drain" },
            new String[] { "POST", "/api/nodes/n%2F1/drain" },
            new String[] { "POST", "/api/nodes/n1;drain" },
            new String[] { "DELETE", "/api/nodes/n1/." },
            new String[] { "GET", "/api/../metrics" });

    static final String[] WHO = { null, "t-viewer", "t-operator", "t-admin" };

    @Test
    void everySpellingOfARouteNeedsThatRoutesRole() throws Exception {
        assertFalse(SAME_ROUTE.isEmpty());
        for (String[] r : SAME_ROUTE) {
            for (String token : WHO) {
                // when
                Answer a = send(r[0], r[1], token);
                // then
                String what = r[0] + " " + r[1] + " as " + token + ": " + a.status() + " " + a.body();
                assertFalse(a.body().contains(SECRET) && !"t-admin".equals(token), what);
                if (token == null) {
                    assertEquals(401, a.status(), what);
                    continue;
                }
                Role has = TOKENS.get(token).role();
                Role needs = Role.parse("role", r[2]);
                if (!has.allows(needs)) {
                    assertEquals(403, a.status(), what);
                    assertTrue(r[0].equals("HEAD") || a.body().contains("needs role " + r[2]), what);
                    assertEquals("application/problem+json", a.type(), what);
                } else {
                    assertTrue(a.status() != 401 && a.status() != 403, what); // past the filter, to the handler
                }
            }
        }
        // and the admin does read the audit log by its plain name and by a spelling of it
        assertTrue(send("GET", "/api/audit", "t-admin").body().contains(SECRET));
        assertTrue(send("GET", "/api/aud%69t", "t-admin").body().contains(SECRET));
    }

    @Test
    void anAmbiguousSpellingIsABadRequestWhoeverAsks() throws Exception {
        assertFalse(AMBIGUOUS.isEmpty());
        for (String[] r : AMBIGUOUS) {
            for (String token : WHO) {
                // when
                Answer a = send(r[0], r[1], token);
                // then
                String what = r[0] + " " + r[1] + " as " + token + ": " + a.status() + " " + a.body();
                assertEquals(400, a.status(), what);
                assertEquals("application/problem+json", a.type(), what);
                // refused by the filter, naming the trouble, or by Jetty before it (as a problem too)
                assertTrue(a.body().contains("\"detail\":\"the path") || a.body().contains("\"detail\":\"the request cannot be read"),
                        what);
                assertFalse(a.body().contains(SECRET), what);
                assertFalse(a.body().contains("Exception"), what);
            }
        }
    }

    @Test
    void theAuditEntryNamesTheRoutesActionAndTargetWhateverTheSpelling() throws Exception {
        // given
        AUDITED.clear();
        // when: an operator drains through a spelled path, a viewer tries, an admin unregisters
        send("POST", "/api/nodes/n1/dr%61in", "t-operator");
        send("POST", "/api/nod%65s/n1/drain/", "t-viewer");
        send("DELETE", "/api/nodes/n%31", "t-admin");
        send("POST", "/api/nodes/n1/./drain", "t-admin");
        // then
        List<String> seen = new ArrayList<>();
        AUDITED.forEach(e -> seen.add(e.actor() + " " + e.action() + " " + e.target() + " " + e.outcome()));
        assertEquals(List.of("token:o node.drain n1 not-found", "token:v node.drain n1 denied",
                "token:a node.unregister n1 not-found"), seen);
    }

    @Test
    void unknownPathsAndMethodsAreProblemsAfterAuthentication() throws Exception {
        assertEquals(401, send("GET", "/api/nope", null).status());
        Answer unknown = send("GET", "/api/nope", "t-viewer");
        assertEquals(404, unknown.status(), unknown.body());
        assertEquals("application/problem+json", unknown.type());
        Answer wrong = send("PATCH", "/api/jobs", "t-admin");
        assertEquals(405, wrong.status(), wrong.body());
        assertEquals("GET, POST, HEAD, OPTIONS", wrong.headers().get("allow"));
        assertEquals(200, send("GET", "/m%65trics", "t-viewer").status());
        assertEquals(401, send("GET", "/m%65trics", null).status());
    }

    @Test
    void errorsTheContainerAnswersAreProblemsWithoutInternals() throws Exception {
        // given requests Jetty refuses before any servlet, and a servlet that throws
        String longPath = "/api/jobs/" + "a".repeat(20_000);
        String bigHeader = "X-Big: " + "b".repeat(20_000) + "\r\n";
        List<Answer> answers = List.of(send("GET", longPath, "t-viewer"), send("GET", "/api/nodes", "t-viewer", bigHeader),
                send("GET", "/metrics?fail=1", "t-viewer"), send("DELETE", "/api/jobs/%2e%2e/x", "t-admin"),
                send("GET", "/api/nodes", "t-viewer", "Accept: text/html\r\n" + bigHeader));
        // then each is a problem document that names no exception
        assertEquals(List.of(414, 431, 500, 400, 431), answers.stream().map(Answer::status).toList());
        for (Answer a : answers) {
            assertEquals("application/problem+json", a.type(), a.body());
            assertTrue(a.body().startsWith("{\"type\":\"about:blank\""), a.body());
            assertFalse(a.body().contains("Exception") || a.body().contains("internals") || a.body().contains("<"), a.body());
        }
        assertTrue(answers.get(2).body().contains("its log has the cause"), answers.get(2).body());
    }

    @Test
    void theServletAnswersNothingThatDidNotPassTheFilter() throws Exception {
        // given the servlet reached with no match from the filter (a mapping that missed it)
        RestConfig config = stub(RestConfig.class, (name, args) -> name.equals("cors_origins") ? new String[0] : null);
        ApiServlet api = new ApiServlet(stub(NodeRegistry.class, (n, a) -> null), stub(BundleContext.class, (n, a) -> null),
                config);
        Map<String, Object> sent = new java.util.HashMap<>();
        java.io.StringWriter body = new java.io.StringWriter();
        HttpServletRequest req = stub(HttpServletRequest.class, (name, args) -> switch (name) {
            case "getMethod" -> "GET";
            case "getPathInfo" -> "/audit";
            case "getRequestURI" -> "/api/audit";
            default -> null;
        });
        HttpServletResponse resp = stub(HttpServletResponse.class, (name, args) -> {
            switch (name) {
                case "setStatus" -> sent.put("status", args[0]);
                case "getWriter" -> {
                    return new java.io.PrintWriter(body);
                }
                case "getStatus" -> {
                    return sent.getOrDefault("status", 200);
                }
                default -> {
                }
            }
            return null;
        });
        // when
        api.service(req, resp);
        // then
        assertEquals(403, sent.get("status"));
        assertTrue(body.toString().contains("not authorised by the API's filter"), body.toString());
    }

    interface Answers {
        Object answer(String method, Object[] args);
    }

    @SuppressWarnings("unchecked")
    static <T> T stub(Class<T> type, Answers answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (p, m, a) -> {
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "equals" -> p == a[0];
                    case "hashCode" -> System.identityHashCode(p);
                    default -> type.getSimpleName();
                };
            }
            Object v = answers.answer(m.getName(), a);
            if (v != null) {
                return v;
            }
            Class<?> r = m.getReturnType();
            Map<Class<?>, Object> zero = Map.of(boolean.class, false, int.class, 0, long.class, 0L, double.class, 0.0);
            return zero.get(r);
        });
    }

    static void set(Object target, String field, Object value) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(target, value);
    }
}
