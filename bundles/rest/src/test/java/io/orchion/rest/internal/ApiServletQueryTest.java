package io.orchion.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;

import io.orchion.api.node.NodeRegistry;
import io.orchion.api.security.Principal;
import io.orchion.api.security.Role;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A query the container cannot decode, or a body that ends before its Content-Length, is a 400
 * problem, not an exception out of the servlet.
 */
class ApiServletQueryTest {

    @SuppressWarnings("unchecked")
    static <T> T stub(Class<T> type, Map<String, Object> answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (p, m, a) -> {
            Object v = answers.get(m.getName());
            if (v instanceof RuntimeException e) {
                throw e;
            }
            return v != null ? v : m.getReturnType() == boolean.class ? false : m.getReturnType() == int.class ? 0 : null;
        });
    }

    @Test
    void aBadlyEncodedQueryIsAProblem() throws Exception {
        // given the fuzzer's input GET /api/jobs?limit=%zz, on which Jetty throws BadMessageException
        RuntimeException badQuery = new IllegalStateException("400: Bad query");
        Routes.Match match = Routes.match("GET", "/api/jobs");
        Principal viewer = new Principal("token", "v", Role.VIEWER, "1");
        HttpServletRequest req = RestPathsTest.stub(HttpServletRequest.class, (name, args) -> switch (name) {
            case "getMethod" -> "GET";
            case "getAttribute" -> AuthFilter.MATCH.equals(args[0]) ? match : AuthFilter.PRINCIPAL.equals(args[0]) ? viewer : null;
            case "getParameterMap", "getParameter", "getParameterValues" -> throw badQuery;
            default -> null;
        });
        Map<String, Object> sent = new HashMap<>();
        StringWriter body = new StringWriter();
        HttpServletResponse resp = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { HttpServletResponse.class }, (p, m, a) -> {
                    switch (m.getName()) {
                        case "setStatus", "setContentType" -> sent.put(m.getName(), a[0]);
                        case "getWriter" -> {
                            return new PrintWriter(body);
                        }
                        case "isCommitted" -> {
                            return false;
                        }
                        case "getStatus" -> {
                            return sent.getOrDefault("setStatus", 200);
                        }
                        default -> {
                        }
                    }
                    return null;
                });
        RestConfig config = stub(RestConfig.class, Map.of("cors_origins", new String[0]));
        ApiServlet servlet = new ApiServlet(stub(NodeRegistry.class, Map.of()), stub(BundleContext.class, Map.of()), config);

        // when
        servlet.service(req, resp);

        // then
        assertEquals(400, sent.get("setStatus"));
        assertEquals("application/problem+json", sent.get("setContentType"));
        assertTrue(body.toString().contains("the query string cannot be read: 400: Bad query"), body.toString());
    }

    @Test
    void aBodyThatEndsBeforeItsLengthIsAProblem() {
        // given the fuzzer's input: POST /api/jobs with Content-Length 2222, no body, and the client's
        // side shut; Jetty's input stream throws its EofException (an EOFException)
        jakarta.servlet.ServletInputStream early = new jakarta.servlet.ServletInputStream() {
            @Override
            public int read() throws java.io.IOException {
                throw new java.io.EOFException("Early EOF");
            }

            @Override
            public boolean isFinished() {
                return false;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(jakarta.servlet.ReadListener listener) {
            }
        };
        HttpServletRequest req = stub(HttpServletRequest.class,
                Map.of("getInputStream", early, "getContentLengthLong", 2222L));

        // when
        ApiServlet.Problem p = org.junit.jupiter.api.Assertions.assertThrows(ApiServlet.Problem.class,
                () -> ApiServlet.body(req, 4096));

        // then
        assertEquals(400, p.status);
        assertEquals("the request body ended early: 2222 bytes were announced in Content-Length", p.getMessage());
    }
}
