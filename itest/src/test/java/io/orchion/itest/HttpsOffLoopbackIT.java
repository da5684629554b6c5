package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's safe defaults on a real non-loopback address: an orchestrator bound to an address
 * of a network namespace this test creates (a veth pair with no route out of it) serves HTTPS by
 * default ({@code --http-tls auto}), refuses plain HTTP there, and serves it only with
 * {@code --allow-insecure}. Every request runs inside the namespace (curl under
 * {@code ip netns exec}): no traffic leaves it. Needs root and iproute2, as CI has.
 */
class HttpsOffLoopbackIT {
    static final String ADDRESS = "10.213.7.1";
    @TempDir
    Path root;
    final String ns = "orchion-it-" + UUID.randomUUID().toString().substring(0, 8);

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "did not finish: " + cmd);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), cmd + ": " + out);
        return out;
    }

    List<String> inNs(String... words) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(words));
        return cmd;
    }

    @BeforeEach
    void namespace() throws Exception {
        run(List.of("ip", "netns", "add", ns));
        run(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
        run(List.of("ip", "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"));
        run(List.of("ip", "-n", ns, "addr", "add", ADDRESS + "/24", "dev", "v0"));
        run(List.of("ip", "-n", ns, "link", "set", "v0", "up"));
        run(List.of("ip", "-n", ns, "link", "set", "v1", "up"));
        // the namespace has no route out: no default route, and an outside address is unreachable
        assertEquals("", run(List.of("ip", "-n", ns, "route", "show", "default")).trim());
        Process lookup = new ProcessBuilder("ip", "-n", ns, "route", "get", "192.0.2.1").redirectErrorStream(true).start();
        assertTrue(lookup.waitFor(10, TimeUnit.SECONDS));
        String said = new String(lookup.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, lookup.exitValue(), "a route out of the namespace: " + said);
        assertTrue(said.contains("unreachable"), said);
    }

    @AfterEach
    void remove() throws Exception {
        new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
    }

    Instance inside(String name, String... args) throws Exception {
        List<String> extra = new ArrayList<>();
        Instance i = new Instance(root, name, "orchestrator", Instance.freePort(), extra);
        extra.addAll(List.of("--bind", ADDRESS, "--grpc-port", String.valueOf(i.grpcPort), "--http-port",
                String.valueOf(i.httpPort)));
        extra.addAll(List.of(args));
        i.listenDefaults = false;
        i.launchPrefix = List.of("ip", "netns", "exec", ns);
        return i;
    }

    /** curl inside the namespace: the status code, the token sent from a file (never the command line). */
    String curl(Instance i, String url, String... more) throws Exception {
        Path header = i.dir.resolve("auth.header");
        Files.writeString(header, "Authorization: " + i.bearer() + "\n");
        List<String> cmd = inNs("curl", "-s", "-o", i.dir.resolve("body").toString(), "-w", "%{http_code}",
                "--max-time", "10", "-H", "@" + header);
        cmd.addAll(List.of(more));
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim() + " exit "
                + p.exitValue();
    }

    String body(Instance i) throws Exception {
        return Files.readString(i.dir.resolve("body"));
    }

    @Test
    void aNonLoopbackAddressGetsHttpsByDefaultAndPlainHttpOnlyWhenAllowed() throws Exception {
        // given an orchestrator bound to the namespace's address with the default --http-tls auto
        try (Instance tls = inside("tls").start()) {
            assertTrue(tls.output().contains("HTTPS on " + ADDRESS + ":" + tls.httpPort), tls.tail());
            String ca = tls.data.resolve("security/ca.crt").toString();
            // then HTTPS is served there with a certificate for that address, signed by the instance's CA
            String https = curl(tls, "https://" + ADDRESS + ":" + tls.httpPort + "/api/health", "--cacert", ca);
            assertEquals("200 exit 0", https, body(tls));
            assertTrue(body(tls).contains("\"status\""), body(tls));
            // and plain HTTP on the same port gets no API answer
            String plain = curl(tls, "http://" + ADDRESS + ":" + tls.httpPort + "/api/health");
            assertTrue(!plain.startsWith("200"), "plain HTTP answered: " + plain);
        }

        // given --http-tls off on that address without --allow-insecure: refused at start
        Instance refused = inside("refused", "--http-tls", "off");
        Process p = refused.startNoWait();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "refused at once");
        assertNotEquals(0, p.exitValue());
        assertTrue(refused.output().contains("refusing to serve the REST API and dashboard over plain HTTP on " + ADDRESS),
                refused.tail());

        // given --allow-insecure: plain HTTP is served there, with the warning
        try (Instance insecure = inside("insecure", "--http-tls", "off", "--allow-insecure").start()) {
            assertTrue(insecure.output().contains("WARNING: plain HTTP on " + ADDRESS), insecure.tail());
            String plain = curl(insecure, "http://" + ADDRESS + ":" + insecure.httpPort + "/api/health");
            assertEquals("200 exit 0", plain, body(insecure));
        }
    }
}
