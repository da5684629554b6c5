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

import io.orchion.api.security.Action;
import io.orchion.api.security.Role;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Every HTTP route of the API, declared once: method, path template, the role it needs, the
 * {@link Action} of a mutating one (which names its audit entry and its role, as for gRPC and the
 * shell), and the handler. {@link AuthFilter} reads the request path once
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
     * {@code action} is what a mutating route does (its audit name and, through it, its role),
     * null for reads; {@code handler} is null for a route another servlet serves (the event stream,
     * the metrics).
     */
    record Route(String method, String path, Role role, Action action, Handler handler) {
        /** A read: needs {@code role} and is not audited. */
        static Route read(String path, Role role, Handler handler) {
            return new Route("GET", path, role, null, handler);
        }

        /** A read any token may do. */
        static Route read(String path, Handler handler) {
            return read(path, Role.VIEWER, handler);
        }

        /** A mutating route: the role is the action's, declared once in {@link Action}. */
        static Route act(String method, String path, Action action, Handler handler) {
            return new Route(method, path, action.role(), action, handler);
        }

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
            Route.read("/api/health", ApiServlet::health),
            Route.read("/api/openapi.json", ApiServlet::openapi),
            Route.read("/api/plugins", ApiServlet::plugins),
            Route.read("/api/scheduler", ApiServlet::scheduler),
            Route.act("PUT", "/api/scheduler", Action.SCHEDULER_USE, ApiServlet::useStrategy),
            Route.read("/api/scheduler/preview", ApiServlet::preview),
            Route.read("/api/nodes", ApiServlet::nodes),
            Route.read("/api/nodes/{id}", ApiServlet::node),
            Route.act("DELETE", "/api/nodes/{id}", Action.NODE_UNREGISTER, ApiServlet::unregister),
            Route.act("POST", "/api/nodes/{id}/drain", Action.NODE_DRAIN, ApiServlet::drain),
            Route.act("POST", "/api/nodes/{id}/undrain", Action.NODE_UNDRAIN, ApiServlet::undrain),
            Route.read("/api/nodes/{id}/telemetry", ApiServlet::telemetry),
            Route.read("/api/jobs", ApiServlet::jobs),
            Route.act("POST", "/api/jobs", Action.JOB_SUBMIT, ApiServlet::submit),
            Route.read("/api/jobs/{id}", ApiServlet::job),
            Route.act("DELETE", "/api/jobs/{id}", Action.JOB_CANCEL, ApiServlet::cancel),
            Route.read("/api/jobs/{id}/logs", ApiServlet::logs),
            Route.read("/api/auth/whoami", ApiServlet::whoami),
            Route.read("/api/audit", Role.ADMIN, ApiServlet::audit),
            // served by EventsServlet and by the metrics bundle's servlet
            Route.read("/api/events", null),
            Route.read("/metrics", null),
            // served by the gateway bundle's servlet: the models, for inference tokens (and operators, admins)
            Route.read("/v1/models", Role.INFERENCE, null),
            new Route("POST", "/v1/chat/completions", Role.INFERENCE, null, null),
            new Route("POST", "/v1/completions", Role.INFERENCE, null, null),
            new Route("POST", "/v1/embeddings", Role.INFERENCE, null, null));

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
