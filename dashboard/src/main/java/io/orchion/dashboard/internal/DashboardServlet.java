package io.orchion.dashboard.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code /}: the dashboard's static files from this bundle's {@code static/} folder. Paths without
 * a file extension are the app's client-side routes and get {@code index.html}; hashed assets
 * under {@code /_app/immutable/} are cached for a year, everything else is revalidated.
 *
 * <p>Ranked above the rest bundle's status page, which also claims {@code /}: with this bundle
 * installed the whiteboard shadows the status page, and uninstalling it brings the page back.
 */
@Component(service = Servlet.class, property = Constants.SERVICE_RANKING + ":Integer=100")
@HttpWhiteboardServletPattern("/")
@HttpWhiteboardServletName("orchion-dashboard")
public class DashboardServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    static final String ROOT = "static";
    static final String IMMUTABLE = "public, max-age=31536000, immutable";
    static final String REVALIDATE = "no-cache";
    /**
     * Scripts only from this origin plus the inline bootstrap SvelteKit writes into index.html (by
     * its hash, computed from the file this bundle serves), and {@code 'unsafe-eval'}: Ajv compiles
     * the job spec schema into a function in the browser (the submit form's validation); inline
     * styles are allowed (components set widths and colours in style attributes); the API and the
     * event stream on this origin only; never framed.
     */
    static final String POLICY = "default-src 'self'; script-src 'self'%s 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            + "frame-ancestors 'none'";
    private static final java.util.regex.Pattern INLINE_SCRIPT = java.util.regex.Pattern
            .compile("<script>(.*?)</script>", java.util.regex.Pattern.DOTALL);

    private transient volatile String policy;

    private static final Map<String, String> TYPES = Map.ofEntries(Map.entry("html", "text/html;charset=utf-8"),
            Map.entry("js", "text/javascript;charset=utf-8"), Map.entry("mjs", "text/javascript;charset=utf-8"),
            Map.entry("css", "text/css;charset=utf-8"), Map.entry("json", "application/json"),
            Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"), Map.entry("ico", "image/x-icon"),
            Map.entry("webp", "image/webp"), Map.entry("woff2", "font/woff2"), Map.entry("txt", "text/plain;charset=utf-8"),
            Map.entry("map", "application/json"), Map.entry("webmanifest", "application/manifest+json"));

    /** What a request path maps to: a resource in the bundle, or nothing (404). */
    record Target(String resource, String contentType, String cacheControl) {
    }

    /**
     * Maps a request path to the file to send. {@code null} when the path is malformed or names a
     * file (it has an extension) that the build did not produce.
     */
    static Target resolve(String path, java.util.function.Predicate<String> exists) {
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        if (!path.startsWith("/") || path.contains("\\") || path.contains("\0")) {
            return null;
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..") || segment.equals(".")) {
                return null;
            }
        }
        String last = path.substring(path.lastIndexOf('/') + 1);
        int dot = last.lastIndexOf('.');
        if (dot <= 0) {
            // a client-side route (/, /jobs, /nodes/abc): the app's shell
            return new Target(ROOT + "/index.html", TYPES.get("html"), REVALIDATE);
        }
        String resource = ROOT + path;
        if (!exists.test(resource)) {
            return null;
        }
        String type = TYPES.getOrDefault(last.substring(dot + 1).toLowerCase(Locale.ROOT), "application/octet-stream");
        return new Target(resource, type, path.startsWith("/_app/immutable/") ? IMMUTABLE : REVALIDATE);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        serve(req, resp, true);
    }

    @Override
    protected void doHead(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        serve(req, resp, false);
    }

    private void serve(HttpServletRequest req, HttpServletResponse resp, boolean body) throws IOException {
        resp.setHeader("Content-Security-Policy", policy());
        resp.setHeader("X-Frame-Options", "DENY");
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        Target target = resolve(path, r -> resource(r) != null);
        URL url = target == null ? null : resource(target.resource());
        if (url == null) {
            problem(resp, 404, "Not Found", target == null ? "no file at " + path
                    : "the dashboard is missing from its bundle (was it built without npm?)");
            return;
        }
        resp.setContentType(target.contentType());
        resp.setHeader("Cache-Control", target.cacheControl());
        resp.setHeader("X-Content-Type-Options", "nosniff");
        if (!body) {
            return;
        }
        try (InputStream in = url.openStream()) {
            in.transferTo(resp.getOutputStream());
        }
    }

    /** The content security policy, with the hashes of index.html's inline scripts (read once). */
    private String policy() throws IOException {
        String p = policy;
        if (p == null) {
            URL index = resource(ROOT + "/index.html");
            String html = "";
            if (index != null) {
                try (InputStream in = index.openStream()) {
                    html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            policy = p = policy(html);
        }
        return p;
    }

    /** {@link #POLICY} allowing the inline scripts of {@code html} by their SHA-256. */
    static String policy(String html) {
        StringBuilder hashes = new StringBuilder();
        java.util.regex.Matcher m = INLINE_SCRIPT.matcher(html);
        while (m.find()) {
            try {
                byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                        .digest(m.group(1).getBytes(StandardCharsets.UTF_8));
                hashes.append(" 'sha256-").append(java.util.Base64.getEncoder().encodeToString(digest)).append('\'');
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
            }
        }
        return String.format(POLICY, hashes);
    }

    private static URL resource(String name) {
        return DashboardServlet.class.getClassLoader().getResource(name);
    }

    private static void problem(HttpServletResponse resp, int status, String title, String detail) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/problem+json");
        resp.setCharacterEncoding("UTF-8");
        String json = "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":"
                + quote(detail) + "}";
        resp.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
