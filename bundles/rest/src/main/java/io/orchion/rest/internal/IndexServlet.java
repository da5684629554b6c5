package io.orchion.rest.internal;

import java.io.IOException;
import java.io.InputStream;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** {@code /}: a small status page over the REST API until the dashboard is served here. */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/")
@HttpWhiteboardServletName("orchion-index")
public class IndexServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final java.util.regex.Pattern INLINE = java.util.regex.Pattern
            .compile("<(script|style)>(.*?)</\\1>", java.util.regex.Pattern.DOTALL);

    /**
     * The page's own inline script and style, by their hashes, and nothing from elsewhere; never
     * framed. {@code html} is the page this servlet serves.
     */
    static String policy(String html) {
        StringBuilder scripts = new StringBuilder();
        StringBuilder styles = new StringBuilder();
        java.util.regex.Matcher m = INLINE.matcher(html);
        while (m.find()) {
            try {
                String hash = " 'sha256-" + java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest
                        .getInstance("SHA-256").digest(m.group(2).getBytes(java.nio.charset.StandardCharsets.UTF_8))) + "'";
                (m.group(1).equals("script") ? scripts : styles).append(hash);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
            }
        }
        return "default-src 'none'; script-src 'self'" + scripts + "; style-src 'self'" + styles
                + "; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        if (!path.isEmpty() && !path.equals("/") && !path.equals("/index.html")) {
            Json.problem(resp, 404, "Not Found", "no resource at " + path);
            return;
        }
        try (InputStream in = IndexServlet.class.getResourceAsStream("index.html")) {
            if (in == null) {
                Json.problem(resp, 500, "Internal Server Error", "the status page is missing from the rest bundle");
                return;
            }
            byte[] page = in.readAllBytes();
            resp.setContentType("text/html");
            resp.setCharacterEncoding("UTF-8");
            resp.setHeader("Cache-Control", "no-cache");
            resp.setHeader("Content-Security-Policy", policy(new String(page, java.nio.charset.StandardCharsets.UTF_8)));
            resp.setHeader("X-Frame-Options", "DENY");
            resp.setHeader("X-Content-Type-Options", "nosniff");
            resp.getOutputStream().write(page);
        }
    }
}
