package io.orchion.rest.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.orchion.api.security.Role;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Every HTTP route of the API, declared once: method, path template, the role it needs, the audit
 * action of a mutating one, and the handler. {@link AuthFilter} reads the request path once
 * ({@link #canonical}), matches it here and authorises, audits and hands the {@link Match} on;
 * {@link ApiServlet} dispatches on that match and never routes again; the OpenAPI test checks
 * {@code openapi.json} against this table. A spelling that could be read two ways (an encoded
 * {@code /}, dot segments, path parameters, empty segments...) is refused, so no spelling reaches
 * a handler past a rule meant for another path.
 *
 * <pre>
 * request ── AuthFilter: canonical(path) ─ 400 ambiguous
 *                       match(method)     ─ 401 no token, 404 unknown, 405 wrong method, 403 weak role
 *                       audit(route.action, param)
 *         ── ApiServlet / EventsServlet / metrics: route.handler (or the servlet the route names)
 * </pre>
 */
final class Routes {
    /** A handler in {@link ApiServlet}: {@code id} is the route's path parameter, or null. */
    @FunctionalInterface
    interface Handler {
        void handle(ApiServlet api, String id, HttpServletRequest req, HttpServletResponse resp) throws IOException;
    }

    /**
     * A route: {@code path} is a template whose {@code {name}} segments match one path segment;
     * {@code action} is what a mutating route is audited as (null for reads); {@code handler} is
     * null for a route another servlet serves (the event stream, the metrics).
     */
    record Route(String method, String path, Role role, String action, Handler handler) {
        List<String> segments() {
            return split(path);
        }
    }

    /**
     * A request matched against the table: its canonical path, the route for its method (null when
     * the path has routes but none for this method), the methods the path allows, and the route's
     * path parameter (decoded once), or null.
     */
    record Match(String path, Route route, Set<String> allowed, String param) {
    }

    /** A request path that could be read more than one way, refused with {@code detail}. */
    static final class Ambiguous extends Exception {
        private static final long serialVersionUID = 1L;

        Ambiguous(String detail) {
            super(detail, null, false, false);
        }
    }

    static final List<Route> ALL = List.of(
            new Route("GET", "/api/health", Role.VIEWER, null, ApiServlet::health),
            new Route("GET", "/api/openapi.json", Role.VIEWER, null, ApiServlet::openapi),
            new Route("GET", "/api/plugins", Role.VIEWER, null, ApiServlet::plugins),
            new Route("GET", "/api/scheduler", Role.VIEWER, null, ApiServlet::scheduler),
            new Route("PUT", "/api/scheduler", Role.OPERATOR, "scheduler.use", ApiServlet::useStrategy),
            new Route("GET", "/api/scheduler/preview", Role.VIEWER, null, ApiServlet::preview),
            new Route("GET", "/api/nodes", Role.VIEWER, null, ApiServlet::nodes),
            new Route("GET", "/api/nodes/{id}", Role.VIEWER, null, ApiServlet::node),
            new Route("DELETE", "/api/nodes/{id}", Role.ADMIN, "node.unregister", ApiServlet::unregister),
            new Route("POST", "/api/nodes/{id}/drain", Role.OPERATOR, "node.drain", ApiServlet::drain),
            new Route("POST", "/api/nodes/{id}/undrain", Role.OPERATOR, "node.undrain", ApiServlet::undrain),
            new Route("GET", "/api/nodes/{id}/telemetry", Role.VIEWER, null, ApiServlet::telemetry),
            new Route("GET", "/api/jobs", Role.VIEWER, null, ApiServlet::jobs),
            new Route("POST", "/api/jobs", Role.OPERATOR, "job.submit", ApiServlet::submit),
            new Route("GET", "/api/jobs/{id}", Role.VIEWER, null, ApiServlet::job),
            new Route("DELETE", "/api/jobs/{id}", Role.OPERATOR, "job.cancel", ApiServlet::cancel),
            new Route("GET", "/api/jobs/{id}/logs", Role.VIEWER, null, ApiServlet::logs),
            new Route("GET", "/api/auth/whoami", Role.VIEWER, null, ApiServlet::whoami),
            new Route("GET", "/api/audit", Role.ADMIN, null, ApiServlet::audit),
            // served by EventsServlet and by the metrics bundle's servlet
            new Route("GET", "/api/events", Role.VIEWER, null, null),
            new Route("GET", "/metrics", Role.VIEWER, null, null));

    private static final List<List<String>> TEMPLATES = ALL.stream().map(Route::segments).toList();

    /** Characters that, decoded from {@code %XX} in a path, would change how it is split or read. */
    private static final String NOT_ENCODED = "/\\%;.?#";

    private Routes() {
    }

    /**
     * The route for {@code method} on a canonical path ({@code HEAD} is {@code GET}), or a match
     * with no route and the methods the path allows (none: nothing lives there).
     */
    static Match match(String method, String path) {
        String m = "HEAD".equals(method) ? "GET" : method;
        List<String> segments = split(path);
        Set<String> allowed = new LinkedHashSet<>();
        Route found = null;
        String param = null;
        for (int i = 0; i < ALL.size(); i++) {
            List<String> t = TEMPLATES.get(i);
            if (t.size() != segments.size()) {
                continue;
            }
            String p = null;
            boolean same = true;
            for (int j = 0; j < t.size() && same; j++) {
                if (t.get(j).startsWith("{")) {
                    p = segments.get(j);
                } else {
                    same = t.get(j).equals(segments.get(j));
                }
            }
            if (same) {
                Route r = ALL.get(i);
                allowed.add(r.method());
                if (found == null && r.method().equals(m)) {
                    found = r;
                    param = p;
                }
            }
        }
        return new Match(path, found, allowed, param);
    }

    /** The {@code Allow} header for a path's methods. */
    static String allow(Set<String> methods) {
        Set<String> all = new LinkedHashSet<>(methods);
        if (all.contains("GET")) {
            all.add("HEAD");
        }
        all.add("OPTIONS");
        return String.join(", ", all);
    }

    /**
     * The one reading of a raw request path (as sent, percent-encoded, without the query): each
     * segment percent-decoded once, as UTF-8; one trailing {@code /} dropped. Refused: a path not
     * starting with {@code /}, empty segments ({@code //}), dot segments ({@code .}, {@code ..}),
     * path parameters ({@code ;}), a backslash, bad or unfinished percent-encoding, an encoded
     * {@code / \ % ; . ? #}, control characters (NUL included) and bytes that are not UTF-8.
     */
    static String canonical(String raw) throws Ambiguous {
        if (raw == null || !raw.startsWith("/")) {
            throw new Ambiguous("the path must start with '/'");
        }
        String path = raw.length() > 1 && raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
        StringBuilder out = new StringBuilder(path.length());
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            out.append('/').append(segment(path.substring(start, end)));
            start = end + 1;
        }
        return out.toString();
    }

    private static String segment(String raw) throws Ambiguous {
        if (raw.isEmpty()) {
            throw new Ambiguous("the path has an empty segment ('//'); write each '/' once");
        }
        if (raw.equals(".") || raw.equals("..")) {
            throw new Ambiguous("the path has a dot segment ('" + raw + "'); send the path it stands for");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == ';') {
                throw new Ambiguous("the path has a path parameter (';'); these are not accepted");
            }
            if (c == '\\') {
                throw new Ambiguous("the path has a backslash; use '/'");
            }
            if (c <= 0x20 || c >= 0x7f) {
                throw new Ambiguous("the path has a character that must be percent-encoded (code " + (int) c + ")");
            }
            if (c != '%') {
                bytes.write(c);
                continue;
            }
            int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
            if (lo < 0) {
                throw new Ambiguous("the path has a '%' that is not followed by two hex digits");
            }
            int b = hi * 16 + lo;
            if (b < 0x20 || b == 0x7f) {
                throw new Ambiguous("the path has an encoded control character (%" + raw.substring(i + 1, i + 3) + ")");
            }
            if (b < 0x80 && NOT_ENCODED.indexOf(b) >= 0) {
                throw new Ambiguous("the path has an encoded '" + (char) b + "' (%" + raw.substring(i + 1, i + 3)
                        + "); it could be read as part of the path's structure");
            }
            bytes.write(b);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new Ambiguous("the path's percent-encoded bytes are not UTF-8");
        }
    }

    private static List<String> split(String path) {
        List<String> parts = new ArrayList<>();
        for (String s : path.split("/", -1)) {
            parts.add(s);
        }
        return parts;
    }
}
