package io.orchion.rest.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Which browser origins may call the API. Same-origin pages (the dashboard served by this
 * instance) always may; others only if listed in {@code cors.origins} of the {@code io.orchion.rest}
 * configuration, whose default is the local development servers. {@code *} allows every origin.
 */
final class Cors {
    static final String PID = "io.orchion.rest";
    static final List<String> DEFAULT = List.of("http://localhost:5173", "http://127.0.0.1:5173");

    private final List<String> origins;
    private final boolean any;

    Cors(String[] configured) {
        List<String> list = new ArrayList<>();
        if (configured == null || configured.length == 0) {
            list.addAll(DEFAULT);
        } else {
            for (String entry : configured) {
                for (String o : entry.split(",")) {
                    String t = o.trim();
                    if (!t.isEmpty()) {
                        list.add(strip(t));
                    }
                }
            }
        }
        this.origins = List.copyOf(list);
        this.any = origins.contains("*");
    }

    private static String strip(String origin) {
        String o = origin.toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    List<String> origins() {
        return origins;
    }

    /** Whether {@code origin} may call this instance, reached as {@code req}. */
    boolean allowed(String origin, HttpServletRequest req) {
        if (origin == null) {
            return true;
        }
        String o = strip(origin);
        if (any || origins.contains(o)) {
            return true;
        }
        String host = req.getHeader("Host");
        return host != null && o.equals((req.isSecure() ? "https://" : "http://") + host.toLowerCase(Locale.ROOT));
    }

    /**
     * Sets the CORS headers for an allowed cross-origin request; answers false (and sets nothing)
     * for an origin that is not allowed.
     */
    boolean apply(HttpServletRequest req, HttpServletResponse resp) {
        String origin = req.getHeader("Origin");
        resp.addHeader("Vary", "Origin");
        if (origin == null) {
            return true;
        }
        if (!allowed(origin, req)) {
            return false;
        }
        resp.setHeader("Access-Control-Allow-Origin", origin);
        resp.setHeader("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
        resp.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization, Last-Event-ID");
        resp.setHeader("Access-Control-Expose-Headers", "Location");
        resp.setHeader("Access-Control-Max-Age", "600");
        return true;
    }
}
