package io.orchion.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST fuzzer's harness answers as the API does: its checks can fail, and pass for sound answers. */
class ApiServerTest {
    static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new ApiServer();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static HttpTester.Response send(String method, String target, String type, String body) throws Exception {
        try (ApiWorld world = new ApiWorld()) {
            server.serve(world.servlet);
            List<String[]> headers = new java.util.ArrayList<>();
            headers.add(new String[] { "Authorization", "Bearer " + ApiServer.Auth.ADMIN });
            if (type != null) {
                headers.add(new String[] { "Content-Type", type });
                headers.add(new String[] { "Content-Length", Integer.toString(body.getBytes(StandardCharsets.UTF_8).length) });
            }
            ApiServletFuzzTest.Request r = new ApiServletFuzzTest.Request(method, target, headers,
                    body.getBytes(StandardCharsets.UTF_8), false);
            ApiServer.Answer answer = server.exchange(r.bytes(), false);
            ApiServletFuzzTest.check(r, answer, server.escapes);
            return HttpTester.parseResponse(answer.raw());
        }
    }

    @Test
    void theWorldHasNodesAndJobs() throws Exception {
        HttpTester.Response nodes = send("GET", "/api/nodes", null, "");
        assertEquals(200, nodes.getStatus());
        assertTrue(nodes.getContent().contains("alpha") && nodes.getContent().contains("beta"), nodes.getContent());
        HttpTester.Response jobs = send("GET", "/api/jobs?state=succeeded", null, "");
        assertTrue(jobs.getContent().contains("hello-00000001"), jobs.getContent());
    }

    @Test
    void theAuthFilterStandsInFrontOfTheApi() throws Exception {
        try (ApiWorld world = new ApiWorld()) {
            server.serve(world.servlet);
            ApiServletFuzzTest.Request none = new ApiServletFuzzTest.Request("GET", "/api/nodes", List.of(), new byte[0], false);
            ApiServer.Answer answer = server.exchange(none.bytes(), false);
            ApiServletFuzzTest.check(none, answer, server.escapes);
            assertEquals(401, HttpTester.parseResponse(answer.raw()).getStatus());
            ApiServletFuzzTest.Request weak = new ApiServletFuzzTest.Request("DELETE", "/api/nodes/n1",
                    List.<String[]>of(new String[] { "Authorization", "Bearer " + ApiServer.Auth.VIEWER }), new byte[0], false);
            answer = server.exchange(weak.bytes(), false);
            ApiServletFuzzTest.check(weak, answer, server.escapes);
            assertEquals(403, HttpTester.parseResponse(answer.raw()).getStatus());
        }
    }

    @Test
    void aSubmittedSpecIsAcceptedAndABadOneIsAProblem() throws Exception {
        assertEquals(201, send("POST", "/api/jobs", "application/yaml",
                "name: x\nruntime: docker\ndocker: { image: busybox }\n").getStatus());
        HttpTester.Response bad = send("POST", "/api/jobs", "application/yaml", "name: X\n");
        assertEquals(400, bad.getStatus());
        assertTrue(bad.get("Content-Type").startsWith("application/problem+json"), bad.get("Content-Type"));
    }

    @Test
    void anAnswerTheFuzzerMustFlagFailsTheCheck() throws Exception {
        ApiServletFuzzTest.Request r = new ApiServletFuzzTest.Request("GET", "/api/health", List.of(), new byte[0], false);
        server.escapes.reset();
        String html500 = "HTTP/1.1 500 Server Error\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n";
        assertTrue(fails(() -> ApiServletFuzzTest.check(r, new ApiServer.Answer(true, true, html500), server.escapes)));
        server.escapes.reached.set(true);
        String html404 = "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n";
        assertTrue(fails(() -> ApiServletFuzzTest.check(r, new ApiServer.Answer(true, true, html404), server.escapes)));
        assertTrue(fails(() -> ApiServletFuzzTest.check(r, new ApiServer.Answer(false, false, ""), server.escapes)));
    }

    @Test
    void aWeakRoleThatReachesAStrongerRouteIsAFinding() throws Exception {
        // given a viewer's 200 on a path the container read as the admin-only audit log
        ApiServletFuzzTest.Request r = new ApiServletFuzzTest.Request("GET", "/api/aud%69t",
                List.<String[]>of(new String[] { "Authorization", "Bearer " + ApiServer.Auth.VIEWER }), new byte[0], false);
        server.escapes.reset();
        server.escapes.reached.set(true);
        server.escapes.containerPath.set("/api/audit");
        String ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        // then the check flags it, and passes the same answer for an admin
        assertTrue(fails(() -> ApiServletFuzzTest.check(r, new ApiServer.Answer(true, true, ok), server.escapes)));
        ApiServletFuzzTest.Request admin = new ApiServletFuzzTest.Request("GET", "/api/aud%69t",
                List.<String[]>of(new String[] { "Authorization", "Bearer " + ApiServer.Auth.ADMIN }), new byte[0], false);
        ApiServletFuzzTest.check(admin, new ApiServer.Answer(true, true, ok), server.escapes);
    }

    @Test
    void spellingsOfTheAuditLogGiveAViewerNothing() throws Exception {
        try (ApiWorld world = new ApiWorld()) {
            server.serve(world.servlet);
            for (String target : List.of("/api/aud%69t", "/api/audit/", "/api/./audit", "/api/jobs/../audit",
                    "/api/audit;x", "/api//audit")) {
                ApiServletFuzzTest.Request weak = new ApiServletFuzzTest.Request("GET", target,
                        List.<String[]>of(new String[] { "Authorization", "Bearer " + ApiServer.Auth.VIEWER }),
                        new byte[0], false);
                ApiServer.Answer answer = server.exchange(weak.bytes(), false);
                ApiServletFuzzTest.check(weak, answer, server.escapes);
                int status = HttpTester.parseResponse(answer.raw()).getStatus();
                assertTrue(status == 403 || status == 400, target + ": " + answer.raw());
            }
        }
    }

    interface Check {
        void run() throws Exception;
    }

    static boolean fails(Check c) {
        try {
            c.run();
            return false;
        } catch (Throwable expected) {
            return true;
        }
    }
}
