package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard as a user meets it: served at {@code /} by the all-in-one distribution, then driven
 * in Debian's Chromium by {@code dashboard/e2e/run.mjs} (playwright-core): without a token the
 * sign-in page shows, the instance's admin token signs in, the node appears, a job submitted from
 * the form runs, a strategy switch shows, a viewer token sees the actions disabled, no token leaks
 * into a URL or the console, and a stopped orchestrator shows the banner until it is started again.
 * The script asks for the stop and the start through files in a signal folder; this test owns the
 * process and does both. Tokens reach the script through its environment, not its command line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {
    static final Path DASHBOARD = Path.of(System.getProperty("orchion.dashboard", "../dashboard")).toAbsolutePath()
            .normalize();
    /** A token as {@code orchion:token create} prints it: {@code oat1.<id>.<secret>}. */
    static final Pattern TOKEN = Pattern.compile("oat1\\.[^\\s.]+\\.[^\\s'\"]+");

    @TempDir
    static Path root;
    Instance up;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        up = Instance.up(root, "up", "--name", "e2e-box", "--label", "zone=attic");
        up.start();
    }

    @AfterAll
    void stop() throws Exception {
        up.close();
    }

    /** Without a token: static files are public, the API is not. */
    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + up.httpPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + up.httpPort + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A viewer token from the shell: the line of its output that holds one. */
    String viewerToken() throws Exception {
        Instance.Shell created = up.shell("orchion:token create --role viewer --name v");
        assertEquals(0, created.status(), created.out() + created.err());
        Matcher m = TOKEN.matcher(created.out());
        assertTrue(m.find(), "no token in the output of 'orchion:token create':\n" + created.out() + created.err());
        return m.group();
    }

    @Test
    void theDashboardIsServedAtTheRootWithClientRoutesAndCachedAssets() throws Exception {
        // given an all-in-one instance with the dashboard bundle
        // when a browser without a token asks for /, a client-side route and the sign-in page
        HttpResponse<String> index = get("/");
        HttpResponse<String> route = get("/jobs/some-job");
        HttpResponse<String> signin = get("/signin?next=%2Fjobs");

        // then all three get the app's shell, not the rest bundle's status page
        assertEquals(200, index.statusCode());
        assertTrue(index.body().contains("/_app/immutable/"), index.body());
        assertEquals("no-cache", index.headers().firstValue("Cache-Control").orElse(""));
        assertEquals(200, route.statusCode());
        assertEquals(index.body(), route.body());
        assertEquals(200, signin.statusCode());
        assertEquals(index.body(), signin.body());

        // and its hashed assets are cacheable for good, while a missing file is a 404
        Matcher asset = Pattern.compile("\"(/_app/immutable/[^\"]+\\.js)\"").matcher(index.body());
        assertTrue(asset.find(), "no script in " + index.body());
        HttpResponse<String> js = get(asset.group(1));
        assertEquals(200, js.statusCode());
        assertEquals("public, max-age=31536000, immutable", js.headers().firstValue("Cache-Control").orElse(""));
        assertEquals(404, get("/_app/immutable/nothing.js").statusCode());

        // and the REST API is still the API, behind the token
        assertEquals(401, get("/api/health").statusCode());
        assertTrue(get("/api/health", up.adminToken()).body().contains("\"status\":\"UP\""));
    }

    @Test
    void endToEndInChromium() throws Exception {
        Path signals = Files.createDirectories(root.resolve("signals"));
        Path output = root.resolve("e2e.log");
        String admin = up.adminToken();
        String viewer = viewerToken();
        ProcessBuilder script = new ProcessBuilder("node", "e2e/run.mjs", "--url", "http://127.0.0.1:" + up.httpPort,
                "--signal-dir", signals.toString()).directory(DASHBOARD.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        script.environment().put("ORCHION_TOKEN", admin);
        script.environment().put("ORCHION_VIEWER_TOKEN", viewer);
        Process e2e = script.start();
        try {
            boolean stopped = false;
            boolean started = false;
            long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (e2e.isAlive() && System.nanoTime() < end) {
                if (!stopped && Files.exists(signals.resolve("stop"))) {
                    up.stop();
                    stopped = true;
                    Files.writeString(signals.resolve("stopped"), "");
                }
                if (stopped && !started && Files.exists(signals.resolve("start"))) {
                    up.start();
                    started = true;
                    Files.writeString(signals.resolve("started"), "");
                }
                e2e.waitFor(200, TimeUnit.MILLISECONDS);
            }
        } finally {
            // the script closes its Chromium; on a timeout end its descendants first, then it
            e2e.descendants().forEach(ProcessHandle::destroyForcibly);
            e2e.destroyForcibly();
            e2e.waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        System.out.println("---- dashboard/e2e/run.mjs\n" + out);
        assertEquals(0, e2e.exitValue(), "the dashboard e2e failed:\n" + out + "\n---- orchestrator:\n" + up.tail());
        assertTrue(out.contains("ok 1 - without a token the dashboard shows the sign-in page"), out);
        assertTrue(out.contains("a viewer token sees submit, drain and the strategy switch disabled"), out);
        assertTrue(out.contains("no token in any address, request URL or console line"), out);
        assertTrue(out.contains("a stopped orchestrator shows the banner"), out);
        assertTrue(out.contains("- its output streams into the log view"), "the log step ran: " + out);
        // every step applies to this instance (tokens, signals, logs): a skipped one is a failure
        assertFalse(out.contains("# skip"), "a step was skipped:\n" + out);
        assertFalse(out.contains(admin) || out.contains(viewer), "a token is in the script's output");
    }
}
