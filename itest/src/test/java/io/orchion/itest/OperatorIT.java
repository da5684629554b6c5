package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.orchion.proto.v1.HeartbeatRequest;
import io.orchion.proto.v1.ListNodesRequest;
import io.orchion.proto.v1.Node;
import io.orchion.proto.v1.RegisterNodeRequest;
import io.orchion.proto.v1.UnregisterNodeRequest;

/**
 * One all-in-one instance ({@code orchion up}) driven as an operator would: the shell, the REST
 * API, bad input, configuration files and hot deploy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorIT {
    @TempDir
    static Path root;
    Instance up;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        up = Instance.up(root, "up", "--name", "local");
        Files.writeString(up.conf.resolve("io.orchion.registry.cfg"), "down.after.ms = 30000\n");
        up.start();
    }

    @AfterAll
    void stop() throws Exception {
        up.close();
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(up.http(path).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theLocalAgentIsListedEverywhere() throws Exception {
        Instance.Shell nodes = up.shell("orchion:nodes");
        assertEquals(0, nodes.status(), nodes.err());
        assertTrue(nodes.out().contains("local") && nodes.out().contains("READY"), nodes.out());
        Instance.Shell agent = up.shell("orchion:agent");
        assertTrue(agent.out().contains("CONNECTED"), agent.out());
        assertTrue(get("/api/health").body().contains("\"status\":\"UP\""));
        HttpResponse<String> index = get("/");
        assertEquals(200, index.statusCode());
        assertTrue(index.body().contains("/_app/immutable/"), "the dashboard is served at /");
        assertEquals(404, get("/no-such-file.js").statusCode());
        assertEquals(404, get("/api/no-such-resource").statusCode());
        assertTrue(get("/api/nodes").body().contains("\"name\":\"local\""));
    }

    @Test
    void registerWithEmptyIdOrHostnameIsInvalidArgumentAndNothingIsStored() throws Exception {
        int before = up.grpc().listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount();
        StatusRuntimeException noId = assertThrows(StatusRuntimeException.class, () -> up.grpc().registerNode(
                RegisterNodeRequest.newBuilder().setNode(Node.newBuilder().setHostname("h")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, noId.getStatus().getCode());
        assertTrue(noId.getStatus().getDescription().contains("node.id"), noId.getStatus().getDescription());
        StatusRuntimeException noHost = assertThrows(StatusRuntimeException.class, () -> up.grpc().registerNode(
                RegisterNodeRequest.newBuilder().setNode(Node.newBuilder().setId("script-1")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, noHost.getStatus().getCode());
        assertTrue(noHost.getStatus().getDescription().contains("node.hostname"));
        assertEquals(before, up.grpc().listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount());
    }

    @Test
    void heartbeatForAnUnknownNodeIsNotFound() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> up.grpc().heartbeat(HeartbeatRequest.newBuilder().setNodeId("no-such-node").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("no-such-node"));
    }

    @Test
    void aSeedStyleScriptRegistersHeartbeatsAndIsDrainedAndUnregisteredFromTheShell() throws Exception {
        up.grpc().registerNode(RegisterNodeRequest.newBuilder()
                .setNode(Node.newBuilder().setId("script-node").setHostname("old-laptop")).build());
        up.grpc().heartbeat(HeartbeatRequest.newBuilder().setNodeId("script-node").build());
        Instance.Shell drain = up.shell("orchion:drain script-node");
        assertEquals(0, drain.status(), drain.err());
        assertTrue(get("/api/nodes/script-node").body().contains("\"status\":\"DRAINING\""));
        Instance.Shell unregister = up.shell("orchion:unregister old-laptop");
        assertEquals(0, unregister.status(), unregister.err());
        assertEquals(404, get("/api/nodes/script-node").statusCode());
        StatusRuntimeException again = assertThrows(StatusRuntimeException.class, () -> up.grpc()
                .unregisterNode(UnregisterNodeRequest.newBuilder().setNodeId("script-node").build()));
        assertEquals(Status.Code.NOT_FOUND, again.getStatus().getCode());
    }

    @Test
    void aJobFileIsCheckedAgainstTheSchemaFromTheShell() throws Exception {
        Path good = root.resolve("hello.yaml");
        Files.writeString(good, """
                name: hello
                runtime: process
                process: { command: ["sh", "-c", "echo hello; sleep 1"] }
                resources: { cpu: 0.5, memory: 256Mi, gpus: 0 }
                constraints: [ { label: arch, in: [amd64, arm64] } ]
                restart: { attempts: 2 }
                timeout: 10m
                """);
        Instance.Shell ok = up.shell("orchion:validate " + good);
        assertEquals(0, ok.status(), ok.err());
        assertTrue(ok.out().contains("OK: hello (runtime process)") && ok.out().contains("256 MiB"), ok.out());
        Path bad = root.resolve("bad.yaml");
        Files.writeString(bad, "name: Bad Name\nruntime: process\nresources: { memory: -1Gi }\ncolour: blue\n");
        Instance.Shell refused = up.shell("orchion:validate " + bad);
        assertEquals(1, refused.status());
        for (String field : new String[] { "name:", "resources.memory:", "colour: unknown field", "process: required" }) {
            assertTrue(refused.err().contains(field), field + " in:\n" + refused.err());
        }
    }

    @Test
    void aFailingShellCommandSaysWhyAndExitsNonZero() throws Exception {
        Instance.Shell missing = up.shell("orchion:node no-such-node");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("no node with id 'no-such-node'"), missing.err());
        assertFalse(missing.err().contains("\tat "), "no stack trace: " + missing.err());
        Instance.Shell unknown = up.shell("orchion:frobnicate");
        assertEquals(1, unknown.status());
        assertTrue(unknown.err().toLowerCase().contains("frobnicate"), unknown.err());
    }

    @Test
    void restErrorsAreProblemDocuments() throws Exception {
        HttpResponse<String> missing = get("/api/nodes/nope");
        assertEquals(404, missing.statusCode());
        assertEquals("application/problem+json", missing.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        assertTrue(missing.body().contains("nope"));
        HttpResponse<String> post = http.send(up.http("/api/nodes").POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void aMalformedConfigurationFileIsReportedAndThePreviousOneStays() throws Exception {
        Path cfg = up.conf.resolve("io.orchion.registry.cfg");
        // given a valid file applied at start: DOWN after 30 s
        String initial = shellOut("orchion:liveness");
        assertTrue(initial.contains("down.after.ms          30000"), initial);
        // when the operator edits it to something valid, it applies without a restart
        writeAtomically(cfg, "down.after.ms = 40000\n");
        Instance.await(Duration.ofSeconds(10),
                () -> shellOut("orchion:liveness").contains("down.after.ms          40000"), () -> "40000 to apply");
        // when the file is broken, it is reported naming the key and the bad value ...
        writeAtomically(cfg, "down.after.ms = banana\n");
        up.awaitLog("down.after.ms must be a whole number of milliseconds, not 'banana'", Duration.ofSeconds(10));
        // ... and the previous configuration stays in force
        String kept = shellOut("orchion:liveness");
        assertTrue(kept.contains("down.after.ms          40000"), kept + "\n" + up.tail());
        writeAtomically(cfg, "down.after.ms = 30000\n");
        Instance.await(Duration.ofSeconds(10),
                () -> shellOut("orchion:liveness").contains("down.after.ms          30000"), () -> "30000 to apply");
    }

    /** As an operator's editor should: a new file renamed over the old, never a half-written one. */
    static void writeAtomically(Path file, String content) throws java.io.IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    String shellOut(String command) {
        try {
            return up.shell(command).out();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void aPluginDroppedIntoBundlesIsLiveWithoutARestartAndGoesWhenRemoved() throws Exception {
        assertFalse(shellOut("orchion:plugins").contains("io.orchion.example.hello"));
        Path jar = Path.of(System.getProperty("orchion.plugin.hello"));
        Path dropped = up.bundles.resolve("hello-plugin.jar");
        Files.copy(jar, dropped.resolveSibling("hello-plugin.jar.tmp"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(dropped.resolveSibling("hello-plugin.jar.tmp"), dropped, StandardCopyOption.ATOMIC_MOVE);

        Instance.await(Duration.ofSeconds(15), () -> {
            String out = shellOut("orchion:plugins");
            return out.contains("io.orchion.example.hello") && out.contains("ACTIVE");
        }, () -> "the plugin to be ACTIVE:\n" + shellOut("orchion:plugins"));
        up.awaitLog("hello plugin: active", Duration.ofSeconds(5));
        assertTrue(shellOut("orchion:plugins").contains("bundles/hello-plugin.jar"));

        Files.delete(dropped);
        Instance.await(Duration.ofSeconds(15), () -> !shellOut("orchion:plugins").contains("io.orchion.example.hello"),
                () -> "the plugin to go");
        up.awaitLog("hello plugin: stopped", Duration.ofSeconds(5));
        assertTrue(up.process().isAlive(), "no restart");
    }

    @Test
    void aPortAlreadyInUseIsOneLineNotATrace() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Process p = new ProcessBuilder(Instance.DIST.resolve("bin/orchion").toString(), "orchestrator", "--data",
                    root.resolve("second").toString(), "--bind", "127.0.0.1", "--grpc-port",
                    String.valueOf(Instance.freePort()), "--http-port", String.valueOf(busy.getLocalPort()))
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertEquals(1, p.exitValue(), out);
            assertEquals(1, out.lines().count(), out);
            assertTrue(out.contains("port " + busy.getLocalPort()) && out.contains("already in use"), out);
        }
    }

    @Test
    void aForeignDataFolderIsRefusedClearlyAndLeftAsItWas() throws Exception {
        Path data = Files.createDirectories(root.resolve("foreign/data"));
        String garbage = "this is somebody's shopping list, not a database\n".repeat(40);
        Files.writeString(data.resolve("orchion.db"), garbage);
        Process p = new ProcessBuilder(Instance.DIST.resolve("bin/orchion").toString(), "orchestrator", "--data",
                data.toString(), "--conf", root.resolve("foreign/conf").toString(), "--bind", "127.0.0.1",
                "--grpc-port", String.valueOf(Instance.freePort()), "--http-port", String.valueOf(Instance.freePort()))
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the orchestrator stops instead of running without its store");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("orchion: ") && out.contains("is not an Orchion store or is damaged"), out);
        assertFalse(out.contains("\tat "), "no stack trace: " + out);
        assertEquals(garbage, Files.readString(data.resolve("orchion.db")), "not silently reset");
    }

    @Test
    void aDamagedAgentIdentityIsRefusedRatherThanReplaced() throws Exception {
        Path data = Files.createDirectories(root.resolve("damaged/data/agent"));
        Files.writeString(data.resolve("node-id"), "??? not an id ???");
        Process p = new ProcessBuilder(Instance.DIST.resolve("bin/orchion").toString(), "agent", "--data",
                data.getParent().toString(), "--conf", root.resolve("damaged/conf").toString(), "--orchestrator",
                "127.0.0.1:" + up.grpcPort).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("does not hold a valid node id"), out);
        assertEquals("??? not an id ???", Files.readString(data.resolve("node-id")));
    }

    @Test
    void aSecondInstanceOnTheSameDataFolderIsRefused() throws Exception {
        Process p = new ProcessBuilder(Instance.DIST.resolve("bin/orchion").toString(), "agent", "--data",
                up.data.toString(), "--orchestrator", "127.0.0.1:" + up.grpcPort).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("is in use by another Orchion process"), out);
    }
}
