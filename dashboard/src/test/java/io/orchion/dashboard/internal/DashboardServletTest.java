package io.orchion.dashboard.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;

import org.junit.jupiter.api.Test;

class DashboardServletTest {
    private static final Set<String> FILES = Set.of("static/index.html", "static/_app/version.json",
            "static/_app/immutable/entry/start.Bx12.js", "static/_app/immutable/assets/0.Cd34.css");

    private static DashboardServlet.Target resolve(String path) {
        return DashboardServlet.resolve(path, FILES::contains);
    }

    @Test
    void clientRoutesGetTheAppShellRevalidated() {
        for (String route : new String[] { "/", "", "/jobs", "/jobs/0a1b2c", "/nodes/n-1/", "/scheduler" }) {
            DashboardServlet.Target t = resolve(route);
            assertEquals("static/index.html", t.resource(), route);
            assertEquals("no-cache", t.cacheControl(), route);
            assertEquals("text/html;charset=utf-8", t.contentType(), route);
        }
    }

    @Test
    void hashedAssetsAreCachedForAYear() {
        DashboardServlet.Target js = resolve("/_app/immutable/entry/start.Bx12.js");
        assertEquals("static/_app/immutable/entry/start.Bx12.js", js.resource());
        assertEquals("public, max-age=31536000, immutable", js.cacheControl());
        assertEquals("text/javascript;charset=utf-8", js.contentType());
        assertEquals("text/css;charset=utf-8", resolve("/_app/immutable/assets/0.Cd34.css").contentType());
    }

    @Test
    void unhashedFilesAreRevalidated() {
        DashboardServlet.Target version = resolve("/_app/version.json");
        assertEquals("no-cache", version.cacheControl());
        assertEquals("application/json", version.contentType());
    }

    @Test
    void aMissingFileIsNotFoundRatherThanTheShell() {
        assertNull(resolve("/_app/immutable/entry/gone.js"));
        assertNull(resolve("/favicon.ico"));
    }

    @Test
    void pathsThatClimbOutOfTheFolderAreRefused() {
        assertNull(resolve("/../META-INF/MANIFEST.MF"));
        assertNull(resolve("/_app/../../io/orchion/dashboard/internal/DashboardServlet.class"));
        assertNull(resolve("/./index.html"));
        assertNull(resolve("relative"));
    }

    @Test
    void thePolicyAllowsTheBootstrapScriptByItsHashAndNoFraming() throws Exception {
        // given an index.html with SvelteKit's inline bootstrap
        String bootstrap = "\n  kit.start(app, element);\n";
        String html = "<head><script src=\"/_app/x.js\"></script></head><body><script>" + bootstrap + "</script></body>";
        // when
        String policy = DashboardServlet.policy(html);
        // then only that script is allowed inline, and no page may frame the dashboard
        String hash = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                .digest(bootstrap.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        org.junit.jupiter.api.Assertions.assertTrue(policy.contains("script-src 'self' 'sha256-" + hash + "' 'unsafe-eval';"), policy);
        org.junit.jupiter.api.Assertions.assertFalse(policy.contains("script-src 'self' 'unsafe-inline'"), policy);
        org.junit.jupiter.api.Assertions.assertTrue(policy.endsWith("frame-ancestors 'none'"), policy);
    }
}
