package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.orchion.proto.v1.GetJobRequest;
import io.orchion.proto.v1.JobsGrpc;
import io.orchion.proto.v1.ListJobsRequest;
import io.orchion.proto.v1.SubmitJobRequest;

/** The job API over REST and gRPC, good input and bad, on an all-in-one instance. */
class JobsApiIT {
    @TempDir
    Path root;
    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> send(Instance up, String method, String path, String type, String body) throws Exception {
        HttpRequest.Builder b = up.http(path);
        if (type != null) {
            b.header("Content-Type", type);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until GET path answers a body containing text. */
    void awaitBody(Instance up, String path, String text, Duration timeout, String what) throws InterruptedException {
        Instance.await(timeout, () -> {
            try {
                return send(up, "GET", path, null, null).body().contains(text);
            } catch (Exception e) {
                return false;
            }
        }, () -> what);
    }

    static String id(String json) {
        var m = java.util.regex.Pattern.compile("\"id\":\"([^\"]+)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    @Test
    void jobsAreSubmittedListedShownAndCancelledOverRestAndGrpcAndBadSpecsStoreNothing() throws Exception {
        try (Instance up = Instance.up(root, "up").start()) {
            // REST: a JSON spec is accepted, stored, and runs to success
            HttpResponse<String> created = send(up, "POST", "/api/jobs", "application/json",
                    "{\"name\": \"rest-hello\", \"runtime\": \"process\", \"process\": {\"command\": [\"sh\", \"-c\", \"exit 0\"]}}");
            assertEquals(201, created.statusCode(), created.body());
            String id = id(created.body());
            assertEquals("/api/jobs/" + id, created.headers().firstValue("Location").orElse(""));
            awaitBody(up, "/api/jobs/" + id, "\"state\":\"SUCCEEDED\"", Duration.ofSeconds(20), "the REST job to succeed");
            assertTrue(send(up, "GET", "/api/jobs?state=succeeded", null, null).body().contains(id));
            // and YAML with its type
            HttpResponse<String> yaml = send(up, "POST", "/api/jobs", "application/yaml",
                    "name: rest-sleep\nruntime: process\nprocess: { command: [\"sleep\", \"30\"] }\n");
            assertEquals(201, yaml.statusCode(), yaml.body());
            String sleepId = id(yaml.body());
            awaitBody(up, "/api/jobs/" + sleepId, "\"state\":\"RUNNING\"", Duration.ofSeconds(20), "the YAML job to run");
            assertEquals(200, send(up, "DELETE", "/api/jobs/" + sleepId, null, null).statusCode());
            awaitBody(up, "/api/jobs/" + sleepId, "\"state\":\"CANCELLED\"", Duration.ofSeconds(20), "the cancel to settle");

            // bad input: a clear 4xx naming the problem, and nothing stored
            int before = count(up);
            String ok = "name: bad\nruntime: process\nprocess: { command: [\"true\"] }\n";
            expect(send(up, "POST", "/api/jobs", "application/yaml", ok.replace("runtime: process", "runtime: quantum")),
                    400, "runtime: no node offers the 'quantum' runtime (offered: ");
            expect(send(up, "POST", "/api/jobs", "application/yaml", ok + "resources: { memory: -1Gi }\n"), 400,
                    "resources.memory");
            expect(send(up, "POST", "/api/jobs", "application/yaml", "name: [oops\n"), 400, "not valid YAML");
            expect(send(up, "POST", "/api/jobs", "application/yaml", ok + "colour: blue\n"), 400, "colour: unknown field");
            expect(send(up, "POST", "/api/jobs", "application/json", "{\"name\": \"x\""), 400, "not valid JSON");
            expect(send(up, "POST", "/api/jobs", "application/yaml", ok + "# " + "x".repeat(10 << 20) + "\n"), 413,
                    "at most 1024 KiB");
            expect(send(up, "POST", "/api/jobs", "text/plain", ok), 415, "application/json or application/yaml");
            expect(send(up, "PUT", "/api/jobs", "application/json", "{}"), 405, "PUT is not allowed");
            expect(send(up, "GET", "/api/jobs/nope-0000abcd", null, null), 404, "no job with id 'nope-0000abcd'");
            expect(send(up, "GET", "/api/jobs/nope", null, null), 400, "'nope' is not a job id");
            assertEquals(before, count(up), "nothing stored by a refused submission");
            assertEquals(200, send(up, "GET", "/api/health", null, null).statusCode(), "the server is fine afterwards");

            // the strategy over REST: switch, preview, and bad input
            expect(send(up, "PUT", "/api/scheduler", "application/json", "{\"strategy\": \"quantum\"}"), 400,
                    "'quantum' is not installed");
            expect(send(up, "PUT", "/api/scheduler", "text/plain", "round-robin"), 415, "application/json");
            HttpResponse<String> switched = send(up, "PUT", "/api/scheduler", "application/json",
                    "{\"strategy\": \"round-robin\"}");
            assertEquals(200, switched.statusCode(), switched.body());
            assertTrue(switched.body().contains("\"active\":\"round-robin\""), switched.body());
            String stuck = id(send(up, "POST", "/api/jobs", "application/yaml",
                    "name: stuck\nruntime: process\nprocess: { command: [\"true\"] }\nresources: { cpu: 999 }\n").body());
            awaitBody(up, "/api/jobs/" + stuck, "free CPU", Duration.ofSeconds(10), "the pending explanation over REST");
            HttpResponse<String> preview = send(up, "GET", "/api/scheduler/preview?strategy=bin-packing", null, null);
            assertTrue(preview.body().contains(stuck) && preview.body().contains("stays pending"), preview.body());
            expect(send(up, "GET", "/api/scheduler/preview?strategy=nope", null, null), 400, "'nope' is not installed");
            assertEquals(200, send(up, "DELETE", "/api/jobs/" + stuck, null, null).statusCode());

            // gRPC: the same API
            ManagedChannel ch = up.channel(up.adminToken());
            try {
                var jobs = JobsGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
                var job = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(ok.replace("name: bad", "name: grpc-ok")).build());
                assertEquals("PENDING", job.getState());
                assertEquals("grpc-ok", jobs.getJob(GetJobRequest.newBuilder().setJobId(job.getId()).build()).getName());
                StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> JobsGrpc.newBlockingStub(ch)
                        .submitJob(SubmitJobRequest.newBuilder().setSpec(ok + "colour: blue\n").build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
                assertTrue(bad.getStatus().getDescription().contains("colour"));
                StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> JobsGrpc.newBlockingStub(ch)
                        .getJob(GetJobRequest.newBuilder().setJobId("nope-0000abcd").build()));
                assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
                StatusRuntimeException malformed = assertThrows(StatusRuntimeException.class, () -> JobsGrpc.newBlockingStub(ch)
                        .getJob(GetJobRequest.newBuilder().setJobId("nope").build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, malformed.getStatus().getCode());
                StatusRuntimeException state = assertThrows(StatusRuntimeException.class, () -> JobsGrpc.newBlockingStub(ch)
                        .listJobs(ListJobsRequest.newBuilder().setState("sleepy").build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, state.getStatus().getCode());
                // the list's filters and pages, as REST's: newest first, a token for the next page
                var cancelled = jobs.listJobs(ListJobsRequest.newBuilder().setState("cancelled").setLimit(1).build());
                assertEquals(List.of(stuck), cancelled.getJobsList().stream().map(j -> j.getId()).toList());
                assertEquals(2, cancelled.getTotal());
                var older = jobs.listJobs(ListJobsRequest.newBuilder().setState("cancelled").setLimit(1)
                        .setPageToken(cancelled.getNextPageToken()).build());
                assertEquals(List.of(sleepId), older.getJobsList().stream().map(j -> j.getId()).toList());
                assertEquals("", older.getNextPageToken(), "the last page");
                var all = jobs.listJobs(ListJobsRequest.getDefaultInstance());
                assertEquals(all.getTotal(), all.getJobsCount(), "no limit: every job, as before paging");
                assertEquals(0, jobs.listJobs(ListJobsRequest.newBuilder().setNode("no-such-node").build()).getTotal());
                StatusRuntimeException limit = assertThrows(StatusRuntimeException.class, () -> JobsGrpc
                        .newBlockingStub(ch).listJobs(ListJobsRequest.newBuilder().setLimit(1001).build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, limit.getStatus().getCode());
                assertTrue(limit.getStatus().getDescription().startsWith("limit: 1001 is out of range"));
            } finally {
                ch.shutdownNow();
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theNumberOfLiveJobsIsBoundedOverRestAndGrpcAndAnEndedJobIsShownWhole() throws Exception {
        try (Instance orch = Instance.orchestrator(root, "capped").start()) {
            // given an orchestrator with no nodes (jobs stay pending) that keeps at most two live jobs
            orch.conf("io.orchion.jobs.limits", "jobs.live.max = 2\n");
            String spec = "{\"name\": \"wait\", \"runtime\": \"process\", \"process\": {\"command\": [\"echo\", "
                    + "\"the-whole-spec\"]}}";
            // when jobs are submitted until one is refused (the configuration arrives while it runs)
            java.util.List<String> accepted = new java.util.ArrayList<>();
            HttpResponse<String>[] refused = new HttpResponse[1];
            Instance.await(Duration.ofSeconds(30), () -> {
                try {
                    HttpResponse<String> r = send(orch, "POST", "/api/jobs", "application/json", spec);
                    if (r.statusCode() == 201) {
                        accepted.add(id(r.body()));
                        return false;
                    }
                    refused[0] = r;
                    return r.statusCode() == 429;
                } catch (Exception e) {
                    return false;
                }
            }, () -> "a submission refused by jobs.live.max; accepted " + accepted.size());
            // then the refusal is a 429 problem naming the limit, and nothing more was stored
            expect(refused[0], 429, "jobs.live.max (2): " + accepted.size() + " jobs are pending or running");
            assertTrue(accepted.size() >= 2, accepted.toString());
            assertEquals(accepted.size(), count(orch));
            // and gRPC refuses the same way
            ManagedChannel ch = orch.channel(orch.adminToken());
            try {
                StatusRuntimeException full = assertThrows(StatusRuntimeException.class, () -> JobsGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(10, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder()
                                .setSpec("name: grpc\nruntime: process\nprocess: { command: [\"true\"] }\n").build()));
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
                assertTrue(full.getStatus().getDescription().contains("jobs.live.max (2)"), full.getStatus().getDescription());
            } finally {
                ch.shutdownNow();
            }

            // when the jobs are cancelled, then there is room again
            for (String id : accepted) {
                assertEquals(200, send(orch, "DELETE", "/api/jobs/" + id, null, null).statusCode());
            }
            assertEquals(201, send(orch, "POST", "/api/jobs", "application/json", spec).statusCode());
            // and a cancelled job is listed without its runtime settings but shown whole, read from the store
            String ended = accepted.get(0);
            HttpResponse<String> listed = send(orch, "GET", "/api/jobs?state=CANCELLED", null, null);
            assertTrue(listed.body().contains(ended), listed.body());
            assertTrue(!listed.body().contains("the-whole-spec"), listed.body());
            assertTrue(send(orch, "GET", "/api/jobs/" + ended, null, null).body().contains("the-whole-spec"));
        }
    }

    static int count(Instance up) {
        ManagedChannel ch = up.channel(up.adminToken());
        try {
            return JobsGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listJobs(ListJobsRequest.getDefaultInstance()).getJobsCount();
        } finally {
            ch.shutdownNow();
        }
    }

    static void expect(HttpResponse<String> r, int status, String text) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.body().contains(text), text + " in " + r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse("").split(";")[0]);
    }
}
