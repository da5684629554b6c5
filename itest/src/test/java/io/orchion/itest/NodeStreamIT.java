package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.orchion.proto.v1.AgentChannelGrpc;
import io.orchion.proto.v1.AgentHeartbeat;
import io.orchion.proto.v1.AgentHello;
import io.orchion.proto.v1.AgentMessage;
import io.orchion.proto.v1.LogBatch;
import io.orchion.proto.v1.LogEntry;
import io.orchion.proto.v1.OrchestratorMessage;
import io.orchion.proto.v1.RunUpdate;
import io.orchion.proto.v1.Telemetry;

/**
 * What a node may send on its agent stream, on the real distribution: an orchestrator, a real
 * agent running the jobs, and a client holding another joined node's real certificate that tries
 * to write into the first node's job log and run state. And an assignment the stream cannot carry:
 * its job fails with the reason, the agent's stream stays up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeStreamIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern REGISTERED = Pattern.compile("registered as ([0-9a-f-]{36})");

    @TempDir
    static Path root;
    Instance orch;
    Instance worker;
    Instance other;
    String otherId;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        orch = Instance.orchestrator(root, "orch").start();
        worker = Instance.agent(root, "worker", orch, "--label", "zone=worker").start();
        // a second node joins for real; its certificate is what the forging client presents
        other = Instance.agent(root, "other", orch, "--label", "zone=other").start();
        Matcher m = REGISTERED.matcher(other.output());
        assertTrue(m.find(), other.tail());
        otherId = m.group(1);
        other.stop();
    }

    @AfterAll
    void stop() throws Exception {
        if (other != null) {
            other.close();
        }
        if (worker != null) {
            worker.close();
        }
        if (orch != null) {
            orch.close();
        }
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(orch.http(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    HttpResponse<String> submit(String json) throws Exception {
        return http.send(orch.http("/api/jobs").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    String submitted(String json) throws Exception {
        HttpResponse<String> r = submit(json);
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    JsonNode job(String id) throws Exception {
        return get("/api/jobs/" + id);
    }

    void awaitState(String id, String state, Duration timeout) throws Exception {
        Instance.await(timeout, () -> {
            try {
                return job(id).get("state").asText().equals(state);
            } catch (Exception e) {
                return false;
            }
        }, () -> {
            try {
                JsonNode j = job(id);
                return id + " to be " + state + ": it is " + j.get("state").asText() + " (" + j.get("message").asText()
                        + ")\n" + worker.tail();
            } catch (Exception e) {
                return id + " to be " + state;
            }
        });
    }

    List<String> logLines(String id) throws Exception {
        List<String> out = new ArrayList<>();
        get("/api/jobs/" + id + "/logs?limit=1000").get("lines").forEach(l -> out.add(l.get("text").asText()));
        return out;
    }

    /** A stream to the orchestrator as {@code otherId}, over mutual TLS with that node's real certificate. */
    final class Forger implements AutoCloseable {
        final ManagedChannel channel;
        final BlockingQueue<OrchestratorMessage> in = new LinkedBlockingQueue<>();
        final StreamObserver<AgentMessage> out;
        volatile Throwable error;

        Forger() throws Exception {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", orch.grpcPort, TlsChannelCredentials.newBuilder()
                    .keyManager(other.data.resolve("agent/node.crt").toFile(), other.data.resolve("agent/node.key").toFile())
                    .trustManager(orch.data.resolve("security/ca.crt").toFile()).build())
                    .overrideAuthority("orchestrator.orchion").build();
            out = AgentChannelGrpc.newStub(channel).connect(new StreamObserver<>() {
                @Override
                public void onNext(OrchestratorMessage m) {
                    in.add(m);
                }

                @Override
                public void onError(Throwable t) {
                    error = t;
                }

                @Override
                public void onCompleted() {
                }
            });
            out.onNext(AgentMessage.newBuilder().setHello(AgentHello.newBuilder().setNode(io.orchion.proto.v1.Node
                    .newBuilder().setId(otherId).setName("other").setHostname("other"))).build());
            next(OrchestratorMessage.BodyCase.WELCOME);
        }

        OrchestratorMessage next(OrchestratorMessage.BodyCase kind) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < end) {
                OrchestratorMessage m = in.poll(100, TimeUnit.MILLISECONDS);
                if (m != null && m.getBodyCase() == kind) {
                    return m;
                }
                if (error != null) {
                    throw new AssertionError("the forger's stream failed: " + error, error);
                }
            }
            throw new AssertionError("no " + kind + " within 20 s");
        }

        void send(AgentMessage m) {
            out.onNext(m);
        }

        /** Everything sent so far has been handled: a heartbeat's answer comes after it, in order. */
        void sync() throws InterruptedException {
            send(AgentMessage.newBuilder().setHeartbeat(AgentHeartbeat.newBuilder()
                    .setTelemetry(Telemetry.getDefaultInstance())).build());
            next(OrchestratorMessage.BodyCase.HEARTBEAT_ACK);
        }

        @Override
        public void close() {
            channel.shutdownNow();
        }
    }

    static AgentMessage logs(String jobId, String runId, long seq, String text) {
        return AgentMessage.newBuilder().setLogs(LogBatch.newBuilder().setJobId(jobId).setRunId(runId)
                .addEntries(LogEntry.newBuilder().setSeq(seq).setStream("stdout").setText(text)
                        .setAtUnixMs(System.currentTimeMillis())))
                .build();
    }

    @Test
    void aNodeCannotWriteAnotherNodesJobLogOrRunState() throws Exception {
        // given a job running on the worker, waiting for a file before it prints the rest
        Path go = root.resolve("go");
        String victim = submitted("""
                {"name": "victim", "runtime": "process", "constraints": [{"label": "zone", "in": ["worker"]}],
                 "process": {"command": ["sh", "-c",
                   "echo first; while [ ! -f %s ]; do sleep 0.1; done; for i in 1 2 3 4 5; do echo later-$i; done"]}}
                """.formatted(go));
        awaitState(victim, "RUNNING", Duration.ofSeconds(60));
        Instance.await(Duration.ofSeconds(30), () -> {
            try {
                return logLines(victim).contains("first");
            } catch (Exception e) {
                return false;
            }
        }, () -> "the victim's first line");
        String runId = job(victim).get("runId").asText();
        String ghost = "ghost-0123abcd";

        // when another joined node, with its own real certificate, writes into the victim's log with a
        // far-ahead seq, writes a log for a job that does not exist, and reports the victim's run
        try (Forger forger = new Forger()) {
            forger.send(logs(victim, runId, 1_000_000, "forged"));
            forger.next(OrchestratorMessage.BodyCase.LOG_ACK);
            forger.send(logs(ghost, ghost + "-r1", 1, "forged"));
            forger.next(OrchestratorMessage.BodyCase.LOG_ACK);
            forger.send(AgentMessage.newBuilder().setRunUpdate(RunUpdate.newBuilder().setJobId(victim).setRunId(runId)
                    .setState("EXITED").setExitCode(3).setMessage("exited")).build());
            forger.sync();
            assertTrue(forger.error == null, "refusals do not end the forger's stream either");
        }

        // then the victim is untouched: still running, and every later line of the real node is stored
        assertEquals("RUNNING", job(victim).get("state").asText(), job(victim).toString());
        Files.writeString(go, "go");
        awaitState(victim, "SUCCEEDED", Duration.ofSeconds(30));
        List<String> lines = logLines(victim);
        assertFalse(lines.isEmpty());
        assertEquals(List.of("first", "later-1", "later-2", "later-3", "later-4", "later-5"), lines, lines.toString());
        // no log folder for the job that does not exist
        assertFalse(Files.exists(orch.data.resolve("logs").resolve(ghost)), "a log folder for " + ghost);
        assertTrue(Files.isDirectory(orch.data.resolve("logs").resolve(victim)));

        // and each refusal is in the audit log as the forging node's
        JsonNode events = get("/api/audit?action=node.message&limit=50").get("events");
        assertTrue(events.size() > 0, "no node.message events");
        assertTrue(denied(events, victim, "logs of run " + runId), events.toString());
        assertTrue(denied(events, ghost, "does not exist"), events.toString());
        assertTrue(denied(events, victim, "run update EXITED"), events.toString());
    }

    boolean denied(JsonNode events, String target, String detail) {
        for (JsonNode e : events) {
            if (e.get("actor").asText().equals("node:" + otherId) && e.get("action").asText().equals("node.message")
                    && e.get("outcome").asText().equals("denied") && e.get("target").asText().equals(target)
                    && e.get("detail").asText().contains(detail)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void anAssignmentTooBigForTheStreamFailsItsJobAndTheAgentRunsTheNext() throws Exception {
        int registered = worker.count("registered as");
        // given a spec the agent cannot digest: 50,000 env entries (the probe's shape, about 900 KB)
        ObjectNode spec = JSON.createObjectNode().put("name", "bigenv").put("runtime", "process");
        spec.putArray("constraints").addObject().put("label", "zone").putArray("in").add("worker");
        ObjectNode process = spec.putObject("process");
        process.putArray("command").add("true");
        ObjectNode env = process.putObject("env");
        for (int i = 0; i < 50_000; i++) {
            env.put(String.format("K%05d", i), "v");
        }
        HttpResponse<String> r = submit(JSON.writeValueAsString(spec));
        if (r.statusCode() == 201) {
            // when it is accepted, then the job FAILS with the reason, naming its size and the limit
            String id = JSON.readTree(r.body()).get("id").asText();
            awaitState(id, "FAILED", Duration.ofSeconds(60));
            String why = job(id).get("message").asText();
            assertTrue(why.matches(".*assignment is \\d+ bytes, more than the 524288 bytes an agent's stream carries.*"),
                    why);
        } else {
            // or the orchestrator refuses it at submission, naming what is too large: never accepted
            // and then lost
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("env") || r.body().contains("bytes"), r.body());
        }
        // and the worker's stream stayed up: it did not register again, and it runs the next job
        String next = submitted("""
                {"name": "after", "runtime": "process", "constraints": [{"label": "zone", "in": ["worker"]}],
                 "process": {"command": ["sh", "-c", "echo still here"]}}
                """);
        awaitState(next, "SUCCEEDED", Duration.ofSeconds(60));
        assertEquals(registered, worker.count("registered as"), worker.tail());
        assertFalse(worker.output().contains("Failed to read message"), worker.tail());
    }
}
