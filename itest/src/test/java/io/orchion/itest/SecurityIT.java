package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.orchion.proto.v1.AgentChannelGrpc;
import io.orchion.proto.v1.JobsGrpc;
import io.orchion.proto.v1.ListNodesRequest;
import io.orchion.proto.v1.OrchestratorGrpc;

/**
 * Security end to end, against a real orchestrator and real agents: every REST route and gRPC
 * method refuses a missing or wrong token and a role too weak for it; agents join only with a
 * valid join token, a revoked node cannot come back, the gRPC port speaks only TLS; mutating
 * actions are in the audit log; unsafe listening is refused; no secret reaches a log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern API_TOKEN = Pattern.compile("oat1\\.[0-9a-f]{10}\\.[A-Za-z0-9_-]{43}");
    static final Pattern JOIN_TOKEN = Pattern.compile("ojt1\\.[0-9a-f]{10}\\.[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{43}");

    @TempDir
    static Path root;
    Instance orch;
    String viewer;
    String operator;
    final List<String> secrets = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        orch = Instance.orchestrator(root, "orch").start();
        viewer = token("viewer", "v");
        operator = token("operator", "o");
    }

    @AfterAll
    void stop() throws Exception {
        orch.close();
    }

    String token(String role, String name) throws Exception {
        Instance.Shell sh = orch.shell("orchion:token create --role " + role + " --name " + name);
        Matcher m = API_TOKEN.matcher(sh.out());
        assertTrue(sh.status() == 0 && m.find(), sh.out() + sh.err());
        secrets.add(m.group());
        return m.group();
    }

    HttpResponse<String> rest(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + orch.httpPort + path))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, method.equals("GET") || method.equals("DELETE") ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString("{}"));
        if (!method.equals("GET")) {
            b.header("Content-Type", "application/json");
        }
        // SSE routes answer 200 and stream on: only the status line is read here
        CompletableFuture<HttpResponse<String>> f = http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException streaming) {
            f.cancel(true);
            return null;
        }
    }

    /**
     * The status of a request, read as soon as the answer's head arrives (an SSE route answers 200 and
     * streams on); no answer in 10 s fails the test.
     */
    int status(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + orch.httpPort + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<java.io.InputStream> r = http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofInputStream())
                .get(10, TimeUnit.SECONDS);
        r.body().close();
        return r.statusCode();
    }

    /** The role each documented operation needs: the rule a user reads in docs/security.md. */
    static String needs(String method, String path) {
        if (path.startsWith("/v1/")) {
            return "inference"; // the model gateway: inference tokens, operators and admins; not viewers
        }
        if (method.equals("get")) {
            return path.equals("/api/audit") ? "admin" : "viewer";
        }
        if (method.equals("delete") && path.equals("/api/nodes/{id}")) {
            return "admin";
        }
        return "operator";
    }

    @Test
    void everyRouteRefusesMissingWrongAndTooWeakTokens() throws Exception {
        JsonNode doc = JSON.readTree(rest("GET", "/api/openapi.json", orch.adminToken()).body());
        int checked = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> p = it.next();
            for (Iterator<String> ms = p.getValue().fieldNames(); ms.hasNext();) {
                String method = ms.next();
                if (!List.of("get", "put", "post", "delete", "patch").contains(method)) {
                    continue; // path-level "parameters" and the like
                }
                String path = p.getKey().replaceAll("\\{[a-zA-Z]+\\}", "nope-0000");
                String m = method.toUpperCase();
                HttpResponse<String> none = rest(m, path, null);
                assertEquals(401, none.statusCode(), m + " " + path + " without a token: " + none.body());
                // the model gateway's clients read OpenAI's error shape; every other route answers problem documents
                boolean gateway = path.startsWith("/v1/");
                assertEquals(gateway ? "application/json" : "application/problem+json",
                        none.headers().firstValue("Content-Type").orElse("").split(";")[0], m + " " + path);
                if (gateway) {
                    assertEquals("authentication_error", JSON.readTree(none.body()).path("error").path("type").asText(),
                            none.body());
                }
                assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), m + " " + path);
                HttpResponse<String> wrong = rest(m, path, "oat1.0123456789.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
                assertEquals(401, wrong.statusCode(), m + " " + path + " with an unknown token");
                assertEquals(401, rest(m, path, "garbage").statusCode(), m + " " + path + " with a malformed token");
                String needs = needs(method, p.getKey());
                if (!needs.equals("viewer")) {
                    HttpResponse<String> weak = rest(m, path, viewer);
                    assertEquals(403, weak.statusCode(), m + " " + path + " as viewer: " + weak.body());
                    assertTrue(weak.body().contains("needs role " + needs), weak.body());
                } else {
                    int ok = status(m, path, viewer);
                    assertTrue(ok != 401 && ok != 403, m + " " + path + " as viewer: " + ok);
                }
                if (needs.equals("admin")) {
                    assertEquals(403, rest(m, path, operator).statusCode(), m + " " + path + " as operator");
                }
                checked++;
            }
        }
        assertTrue(checked >= 19, "every documented operation was tried: " + checked);
        // an operator can do what operators do
        HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + orch.httpPort
                + "/api/jobs")).header("Authorization", "Bearer " + operator).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString("name: by-operator\nruntime: process\nprocess:\n  command: [\"true\"]\n"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertNotEquals(401, submitted.statusCode(), submitted.body());
        assertNotEquals(403, submitted.statusCode(), submitted.body());
        // whoami names the token and role
        assertTrue(rest("GET", "/api/auth/whoami", viewer).body().contains("\"role\":\"viewer\""));
    }

    /** Calls any method with its empty request and returns how it closed. */
    static Status call(ManagedChannel ch, MethodDescriptor<?, ?> m) throws Exception {
        @SuppressWarnings("unchecked")
        MethodDescriptor<Object, Object> md = (MethodDescriptor<Object, Object>) m;
        Object request = ((MethodDescriptor.PrototypeMarshaller<?>) md.getRequestMarshaller()).getMessagePrototype();
        CompletableFuture<Status> closed = new CompletableFuture<>();
        ClientCall<Object, Object> c = ch.newCall(md, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
        c.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        c.request(1);
        c.sendMessage(request);
        c.halfClose();
        Status s = closed.get(15, TimeUnit.SECONDS);
        return s;
    }

    @Test
    void everyGrpcMethodRefusesMissingWrongAndTooWeakTokens() throws Exception {
        ManagedChannel anonymous = NettyChannelBuilder.forAddress("127.0.0.1", orch.grpcPort, orch.tls())
                .overrideAuthority("orchestrator.orchion").build();
        ManagedChannel wrong = orch.channel("oat1.0123456789.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        ManagedChannel weak = orch.channel(viewer);
        try {
            int checked = 0;
            for (ServiceDescriptor sd : List.of(OrchestratorGrpc.getServiceDescriptor(), JobsGrpc.getServiceDescriptor(),
                    AgentChannelGrpc.getServiceDescriptor())) {
                for (MethodDescriptor<?, ?> m : sd.getMethods()) {
                    assertEquals(Status.Code.UNAUTHENTICATED, call(anonymous, m).getCode(), m.getFullMethodName());
                    assertEquals(Status.Code.UNAUTHENTICATED, call(wrong, m).getCode(), m.getFullMethodName());
                    String name = m.getBareMethodName();
                    boolean mutating = List.of("RegisterNode", "Heartbeat", "UnregisterNode", "DrainNode", "SubmitJob",
                            "CancelJob", "Connect").contains(name);
                    Status.Code asViewer = call(weak, m).getCode();
                    if (mutating) {
                        // a token, however strong, is not a node certificate: the agent's stream refuses it as
                        // unauthenticated; every other mutating method refuses the viewer's role
                        Status.Code denial = name.equals("Connect") ? Status.Code.UNAUTHENTICATED
                                : Status.Code.PERMISSION_DENIED;
                        assertEquals(denial, asViewer, m.getFullMethodName() + " as viewer");
                    } else {
                        assertFalse(asViewer == Status.Code.PERMISSION_DENIED || asViewer == Status.Code.UNAUTHENTICATED
                                || asViewer == Status.Code.DEADLINE_EXCEEDED, m.getFullMethodName() + " as viewer: " + asViewer);
                    }
                    checked++;
                }
            }
            assertTrue(checked >= 15, "methods tried: " + checked);
        } finally {
            anonymous.shutdownNow();
            wrong.shutdownNow();
            weak.shutdownNow();
        }
    }

    @Test
    void aPlaintextClientCannotTalkToTheGrpcPort() {
        ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", orch.grpcPort).usePlaintext().build();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> OrchestratorGrpc
                    .newBlockingStub(plain).withDeadlineAfter(5, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance()));
            // the TLS listener never answers a plaintext HTTP/2 preface: the call cannot reach the service
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        } finally {
            plain.shutdownNow();
        }
    }

    @Test
    void agentsJoinOnlyWithAValidTokenAndARevokedNodeCannotComeBack() throws Exception {
        // no token, a made-up token: the agent stops and says why
        Instance lone = new Instance(root, "lone", "agent", orch.grpcPort,
                List.of("--orchestrator", "127.0.0.1:" + orch.grpcPort, "--name", "lone"));
        Process p = lone.startNoWait();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "an agent without a token exits");
        assertNotEquals(0, p.exitValue());
        assertTrue(lone.output().contains("has not joined an orchestrator yet"), lone.tail());
        Instance forged = new Instance(root, "forged", "agent", orch.grpcPort, List.of("--orchestrator",
                "127.0.0.1:" + orch.grpcPort, "--name", "forged", "--token", orch.joinToken().replaceFirst(
                        "^(ojt1\\.[0-9a-f]{10}\\.)[A-Za-z0-9_-]{43}", "$1BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")));
        p = forged.startNoWait();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "an agent with a wrong token exits");
        assertNotEquals(0, p.exitValue());
        assertTrue(forged.output().contains("the join token is unknown or was revoked"), forged.tail());

        // a valid one-use token joins once; the second agent with the same token is refused
        String once = orch.joinToken();
        secrets.add(once);
        Instance first = new Instance(root, "first", "agent", orch.grpcPort, List.of("--orchestrator",
                "127.0.0.1:" + orch.grpcPort, "--name", "first", "--token", once)).start();
        Instance second = new Instance(root, "second", "agent", orch.grpcPort, List.of("--orchestrator",
                "127.0.0.1:" + orch.grpcPort, "--name", "second", "--token", once));
        p = second.startNoWait();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(second.output().contains("is used up"), second.tail());
        assertTrue(Files.exists(first.data.resolve("agent/node.crt")));

        // a client certificate of another orchestrator's CA is refused at the handshake
        try (Instance other = Instance.orchestrator(root, "other").start()) {
            Instance stranger = Instance.agent(root, "stranger", other).start();
            stranger.stop();
            Instance pointed = new Instance(root, "impostor", "agent", orch.grpcPort, List.of("--orchestrator",
                    "127.0.0.1:" + orch.grpcPort, "--name", "impostor"));
            try (Stream<Path> files = Files.walk(stranger.data)) {
                for (Path f : files.toList()) {
                    if (!f.toString().contains("orchion.lock")) {
                        Path to = pointed.data.resolve(stranger.data.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(to);
                        } else {
                            Files.copy(f, to);
                        }
                    }
                }
            }
            // the same certificate, presented by a client that trusts this orchestrator: the handshake fails
            ManagedChannel foreign = NettyChannelBuilder.forAddress("127.0.0.1", orch.grpcPort,
                    io.grpc.TlsChannelCredentials.newBuilder()
                            .keyManager(stranger.data.resolve("agent/node.crt").toFile(),
                                    stranger.data.resolve("agent/node.key").toFile())
                            .trustManager(orch.data.resolve("security/ca.crt").toFile()).build())
                    .overrideAuthority("orchestrator.orchion").build();
            try {
                StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> OrchestratorGrpc
                        .newBlockingStub(foreign).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .listNodes(ListNodesRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.toString());
            } finally {
                foreign.shutdownNow();
            }
            pointed.startNoWait();
            Instance.await(Duration.ofSeconds(60), () -> {
                try {
                    return pointed.output().contains("connection to 127.0.0.1:" + orch.grpcPort + " failed");
                } catch (java.io.IOException e) {
                    return false;
                }
            }, pointed::tail);
            assertFalse(orch.grpc().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
                    .anyMatch(n -> n.getName().equals("stranger") || n.getName().equals("impostor")));
            pointed.stop();
        }

        // revoked: the open stream ends, and the node cannot come back, with its certificate or a new token
        String id = first.output().replaceAll("(?s).*registered as ([0-9a-f-]{36}).*", "$1");
        Instance.Shell revoke = orch.shell("orchion:node revoke " + id);
        assertEquals(0, revoke.status(), revoke.out() + revoke.err());
        assertTrue(revoke.out().contains("revoked"), revoke.out());
        // its stream ends with "revoked" (or, if it was redialling just then, its dial is refused as
        // revoked), and the lone agent stops by itself, saying why, instead of idling
        assertTrue(first.process().waitFor(30, TimeUnit.SECONDS), "a revoked agent stops:\n" + first.tail());
        assertTrue(first.output().contains("revoked by an operator") || first.output().contains("was revoked"),
                first.tail());
        assertFalse(first.output().contains("not redialling"), first.tail());
        p = first.startNoWait();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "a revoked agent exits");
        assertTrue(first.output().contains("was revoked"), first.tail());
        Files.delete(first.data.resolve("agent/node.crt"));
        Instance rejoin = new Instance(root, "first", "agent", orch.grpcPort, List.of("--orchestrator",
                "127.0.0.1:" + orch.grpcPort, "--name", "first", "--token", orch.joinToken()));
        p = rejoin.startNoWait();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(rejoin.output().contains("it cannot join again"), rejoin.tail());
        assertFalse(orch.grpc().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
                .anyMatch(n -> n.getId().equals(id)));

        // all of it is in the audit log, which only an admin reads
        HttpResponse<String> audit = rest("GET", "/api/audit?limit=200", orch.adminToken());
        assertEquals(200, audit.statusCode(), audit.body());
        JsonNode events = JSON.readTree(audit.body()).get("events");
        assertTrue(has(events, "node.join", "ok"), audit.body());
        assertTrue(has(events, "node.join", "denied"), audit.body());
        // a join says which join token it used: its id, never the token
        boolean named = false;
        for (JsonNode e : events) {
            named |= e.get("action").asText().equals("node.join") && e.get("outcome").asText().equals("ok")
                    && e.get("detail").asText().matches("join token [0-9a-f]{10}");
        }
        assertTrue(named, audit.body());
        assertFalse(audit.body().contains("ojt1."), audit.body());
        assertTrue(has(events, "node.revoke", "ok"), audit.body());
        assertTrue(has(events, "token.create", "ok"), audit.body());
        assertEquals(403, rest("GET", "/api/audit", operator).statusCode());
        Instance.Shell shellAudit = orch.shell("orchion:audit --action node.revoke");
        assertTrue(shellAudit.out().contains(id) || shellAudit.out().contains("node.revoke"), shellAudit.out());
    }

    static boolean has(JsonNode events, String action, String outcome) {
        for (JsonNode e : events) {
            if (e.get("action").asText().equals(action) && e.get("outcome").asText().equals(outcome)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void anAgentRenewsItsCertificateWithAFreshKeyBeforeItExpires() throws Exception {
        Instance agent = new Instance(root, "renewing", "agent", orch.grpcPort, List.of("--orchestrator",
                "127.0.0.1:" + orch.grpcPort, "--name", "renewing", "--token", orch.joinToken()));
        // renew when less than 100 years are left: at once, as soon as it is registered
        agent.conf("io.orchion.agent", "certificate.renew.before = 36500d\n");
        try {
            agent.start();
            agent.awaitLog("renewed the node certificate", Duration.ofSeconds(30));
            String id = agent.output().replaceAll("(?s).*registered as ([0-9a-f-]{36}).*", "$1");
            // the CA issued it a second certificate, and that one (for a new key) is what the node now holds
            JsonNode certs = JSON.readTree(Files.readString(orch.data.resolve("security/authority.json"))).get("certificates");
            String renewedSerial = null;
            int ofNode = 0;
            for (JsonNode c : certs) {
                if (c.get("nodeId").asText().equals(id)) {
                    ofNode++;
                    if (c.get("how").asText().equals("renew")) {
                        renewedSerial = c.get("serial").asText();
                    }
                }
            }
            assertTrue(ofNode == 2 && renewedSerial != null, "a join and a renewal: " + certs);
            java.security.cert.X509Certificate held = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
                    .getInstance("X.509").generateCertificate(Files.newInputStream(agent.data.resolve("agent/node.crt")));
            assertEquals(renewedSerial, held.getSerialNumber().toString(16));
            Instance.Shell certsOf = orch.shell("orchion:certs " + id);
            assertTrue(certsOf.status() == 0 && certsOf.out().contains("join ") && certsOf.out().contains("renew"),
                    certsOf.out() + certsOf.err());
            assertFalse(Files.exists(agent.data.resolve("agent/node.crt.next")));
            HttpResponse<String> audit = rest("GET", "/api/audit?action=node.renew", orch.adminToken());
            assertTrue(audit.body().contains("\"node:" + id + "\"") && has(JSON.readTree(audit.body()).get("events"),
                    "node.renew", "ok"), audit.body());

            // renewing needs a node certificate: an admin token is not one
            ManagedChannel admin = orch.channel(orch.adminToken());
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> io.orchion.proto.v1.EnrollmentGrpc
                        .newBlockingStub(admin).renew(io.orchion.proto.v1.RenewRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.getMessage());
            } finally {
                admin.shutdownNow();
            }

            // after a restart it connects with the renewed certificate and key (its one-use join
            // token is spent: joining again would be refused)
            agent.stop();
            int registered = agent.count("registered as " + id);
            agent.start();
            assertEquals(registered + 1, agent.count("registered as " + id), agent.tail());
        } finally {
            agent.close();
        }
    }

    @Test
    void mutationsThroughRestAndGrpcAreAudited() throws Exception {
        HttpResponse<String> drained = rest("POST", "/api/nodes/nope-0000/drain", operator);
        assertEquals(404, drained.statusCode());
        assertEquals(403, rest("DELETE", "/api/nodes/nope-0000", operator).statusCode());
        JsonNode events = JSON.readTree(rest("GET", "/api/audit?actor=token:o", orch.adminToken()).body()).get("events");
        assertTrue(has(events, "node.drain", "not-found"), events.toString());
        assertTrue(has(events, "node.unregister", "denied"), events.toString());
        for (JsonNode e : events) {
            assertEquals("token:o", e.get("actor").asText());
            assertFalse(e.get("at").asText().isEmpty());
        }
    }

    @Test
    void unsafeListeningIsRefusedAndHttpsIsServedOffLoopback() throws Exception {
        Instance open = new Instance(root, "open", "orchestrator", Instance.freePort(), List.of("--bind", "0.0.0.0",
                "--http-tls", "off"));
        open.listenDefaults = false;
        Process p = open.startNoWait();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "refused at once");
        assertNotEquals(0, p.exitValue());
        assertTrue(open.output().contains("refusing to serve the REST API and dashboard over plain HTTP on 0.0.0.0"),
                open.tail());

        Instance tlsInstance = new Instance(root, "tls", "orchestrator", Instance.freePort(), List.of("--http-tls", "on"));
        // a low rate limit that applies to loopback too, to see it work
        tlsInstance.conf("io.orchion.rest.limits", "requests.per.second = 5\nlimit.loopback = true\n");
        try (Instance tls = tlsInstance.start()) {
            assertTrue(tls.output().contains("HTTPS on 127.0.0.1:" + tls.httpPort), tls.tail());
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = new FileInputStream(tls.data.resolve("security/ca.crt").toFile())) {
                trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder().sslContext(ssl).build();
            HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tls.httpPort
                    + "/api/nodes")).header("Authorization", tls.bearer()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            int limited = 0;
            for (int i = 0; i < 40; i++) {
                HttpResponse<String> burst = https.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                        + tls.httpPort + "/api/health")).header("Authorization", tls.bearer()).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (burst.statusCode() == 429) {
                    limited++;
                    assertTrue(burst.headers().firstValue("Retry-After").isPresent());
                    assertTrue(burst.body().contains("requests a second"), burst.body());
                } else {
                    assertEquals(200, burst.statusCode(), burst.body());
                }
            }
            assertTrue(limited > 0, "a burst of 40 requests over a limit of 5 a second meets 429");
            try {
                HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tls.httpPort
                        + "/api/nodes")).header("Authorization", tls.bearer()).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertNotEquals(200, plain.statusCode(), "plain HTTP on the HTTPS port");
                assertFalse(plain.body().contains("capabilities"));
            } catch (java.io.IOException refused) {
                // the TLS listener drops a plain HTTP request: as good
            }
        }
    }

    @Test
    void theFirstAdminTokenIsPrintedOnceAndNoOtherSecretReachesAnyLog() throws Exception {
        String admin = orch.adminToken();
        // a restart prints no token
        orch.stop();
        orch.start();
        assertEquals(1, orch.count(admin), "the admin token is printed once, at the first start");
        Matcher all = API_TOKEN.matcher(orch.output());
        int printed = 0;
        while (all.find()) {
            printed++;
        }
        assertEquals(1, printed, "only the first admin token is ever printed by the instance");
        // tokens and join tokens made in this test run: in no output, log or audit file of any instance
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(f -> f.getFileName().toString().endsWith(".log") || f.getFileName().toString().endsWith(".jsonl"))
                    .forEach(files::add);
        }
        assertFalse(files.isEmpty());
        for (Path f : files) {
            String text = Files.readString(f);
            for (String s : secrets) {
                String secretPart = s.split("\\.")[2];
                assertFalse(text.contains(secretPart), "a secret in " + f);
            }
            if (JOIN_TOKEN.matcher(text).find()) {
                fail("a join token in " + f);
            }
        }
        assertTrue(Files.readString(orch.data.resolve("security/tokens.json")).contains("\"hash\""));
        for (String s : secrets) {
            assertFalse(Files.readString(orch.data.resolve("security/tokens.json")).contains(s.split("\\.")[2]),
                    "tokens are stored hashed");
        }
    }
}
