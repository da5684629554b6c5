package io.orchion.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobPage;
import io.orchion.api.job.JobQuery;
import io.orchion.api.job.JobService;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.api.security.Principal;
import io.orchion.api.security.Role;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A query the container cannot decode, or a body that ends before its Content-Length, is a 400
 * problem, not an exception out of the servlet; the job list's query goes to the job service whole.
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

    /** Runs one request through the servlet as a viewer; answers the status and the body. */
    static String[] get(ApiServlet servlet, String path, Map<String, String[]> params) throws Exception {
        Routes.Match match = Routes.match("GET", path);
        Principal viewer = new Principal("token", "v", Role.VIEWER, "1");
        HttpServletRequest req = RestPathsTest.stub(HttpServletRequest.class, (name, args) -> switch (name) {
            case "getMethod" -> "GET";
            case "getAttribute" -> AuthFilter.MATCH.equals(args[0]) ? match : AuthFilter.PRINCIPAL.equals(args[0]) ? viewer : null;
            case "getParameterMap" -> params;
            case "getParameter" -> params.containsKey(args[0]) ? params.get(args[0])[0] : null;
            case "getParameterValues" -> params.get(args[0]);
            default -> null;
        });
        Map<String, Object> sent = new HashMap<>();
        StringWriter body = new StringWriter();
        HttpServletResponse resp = (HttpServletResponse) Proxy.newProxyInstance(ApiServletQueryTest.class.getClassLoader(),
                new Class<?>[] { HttpServletResponse.class }, (p, m, a) -> switch (m.getName()) {
                    case "setStatus" -> {
                        sent.put("status", a[0]);
                        yield null;
                    }
                    case "getWriter" -> new PrintWriter(body);
                    case "isCommitted" -> false;
                    case "getStatus" -> sent.getOrDefault("status", 200);
                    default -> null;
                });
        servlet.service(req, resp);
        return new String[] { String.valueOf(sent.getOrDefault("status", 200)), body.toString() };
    }

    @Test
    void theJobListIsOneQueryToTheJobServiceAndItsPageAsJson() throws Exception {
        // given a job service that answers one page of one job and remembers what it was asked
        List<JobQuery> asked = new ArrayList<>();
        JobSpec spec = new JobSpec("train", "process", Map.of("command", List.of("true")),
                new ResourceRequest(0.1, 0, 0, 0), List.of(), 0, RestartPolicy.NONE, null, Map.of("team", "red"));
        Job job = new Job("train-0000abcd", spec, JobState.PENDING, "", List.of(), "", 0, null, "waiting",
                Instant.EPOCH, List.of());
        JobService service = (JobService) Proxy.newProxyInstance(JobService.class.getClassLoader(), new Class<?>[] { JobService.class },
                (p, m, a) -> {
                    if (m.getName().equals("jobs") && a != null && a.length == 1) {
                        asked.add((JobQuery) a[0]);
                        return new JobPage(List.of(job), "dHJhaW4", 7);
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        RestConfig config = stub(RestConfig.class, Map.of("cors_origins", new String[0]));
        ApiServlet servlet = new ApiServlet(stub(NodeRegistry.class, Map.of()), stub(BundleContext.class, Map.of()), config);
        java.lang.reflect.Field jobs = ApiServlet.class.getDeclaredField("jobs");
        jobs.setAccessible(true);
        jobs.set(servlet, service);

        // when a viewer lists pending red jobs on node gpu-box from a page token, without a limit
        String[] answer = get(servlet, "/api/jobs", Map.of("state", new String[] { "pending" }, "node",
                new String[] { "gpu-box" }, "label", new String[] { "team=red" }, "pageToken", new String[] { "abc" }));

        // then the service was asked once, with REST's default page size, and its page is the body
        assertEquals("200", answer[0], answer[1]);
        assertEquals(List.of(new JobQuery(JobState.PENDING, "gpu-box", Map.of("team", "red"), 100, "abc")), asked);
        assertTrue(answer[1].startsWith("{\"jobs\":[{\"id\":\"train-0000abcd\""), answer[1]);
        assertTrue(answer[1].endsWith("],\"nextPageToken\":\"dHJhaW4\",\"total\":7}"), answer[1]);

        // and bad parameters are problems naming them, before the service is asked
        String[] zero = get(servlet, "/api/jobs", Map.of("limit", new String[] { "0" }));
        assertEquals("400", zero[0]);
        assertTrue(zero[1].contains("limit: 0 is out of range 1..1000"), zero[1]);
        String[] label = get(servlet, "/api/jobs", Map.of("label", new String[] { "team" }));
        assertEquals("400", label[0]);
        assertTrue(label[1].contains("label: 'team' is not KEY=VALUE"), label[1]);
        assertEquals(1, asked.size());
    }
}
