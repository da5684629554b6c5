package io.orchion.rest.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.util.concurrent.RateLimiter;

import io.orchion.api.security.ApiTokens;
import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.AuditLog;
import io.orchion.api.security.Principal;
import io.orchion.api.security.Role;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In front of {@code /api/*}, {@code /metrics} and the model gateway's {@code /v1/*}: a rate limit per client address, a size
 * limit, one reading of the path ({@link Routes#canonical}: a spelling that could be read two ways
 * is a 400) matched against {@link Routes#ALL}, the bearer token and the role of the matched
 * route, and the audit record of every mutating request with the route's action, its target and
 * the outcome. The match goes on to the servlet as {@link #MATCH}; no servlet routes again. The
 * dashboard's static files are not behind it.
 */
@Component(service = Filter.class, configurationPid = AuthFilter.PID)
@Designate(ocd = AuthFilter.Config.class)
@HttpWhiteboardFilterPattern({ "/api/*", "/metrics", "/v1/*" })
@HttpWhiteboardFilterName("orchion-auth")
@HttpWhiteboardFilterAsyncSupported
public class AuthFilter implements Filter {
    static final String PID = "io.orchion.rest.limits";
    /** Request attribute: the {@link Principal} of an authenticated request. */
    static final String PRINCIPAL = "orchion.principal";
    /** Request attribute: the {@link Routes.Match} the filter authorised; handlers dispatch on it, never on the path. */
    static final String MATCH = "orchion.route";
    /** Request attribute a handler sets to name what a mutating request acted on (a new job's id). */
    static final String TARGET = "orchion.audit.target";

    @ObjectClassDefinition(name = "Orchion REST limits")
    public @interface Config {
        @AttributeDefinition(description = "requests per second allowed per client address (bursts up to one second's worth)")
        double requests_per_second() default 100;

        @AttributeDefinition(description = "largest request body accepted, in bytes")
        long max_body_bytes() default 1L << 20;

        @AttributeDefinition(description = "limit loopback clients too (off by default: they are local processes, "
                + "such as benchmarks or a reverse proxy that should limit per client itself)")
        boolean limit_loopback() default false;
    }

    private final ApiTokens tokens;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile AuditLog audit;
    private volatile Config config;
    private final Cache<String, RateLimiter> limiters = CacheBuilder.newBuilder().maximumSize(10_000)
            .expireAfterAccess(10, TimeUnit.MINUTES).build();

    @Activate
    public AuthFilter(@Reference ApiTokens tokens, Config config) {
        this.tokens = tokens;
        this.config = config;
    }

    @Modified
    void modified(Config c) {
        this.config = c;
        limiters.invalidateAll();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        String method = req.getMethod();
        Config c = config;
        String address = req.getRemoteAddr();
        if (!"OPTIONS".equals(method) && (c.limit_loopback() || !loopback(address)) && !limiters.asMap()
                .computeIfAbsent(address, a -> RateLimiter.create(Math.max(0.1, c.requests_per_second()))).tryAcquire()) {
            resp.setHeader("Retry-After", "1");
            Json.error(req, resp, 429, "Too Many Requests", "more than " + c.requests_per_second()
                    + " requests a second from " + address + "; retry after a second");
            return;
        }
        if (!"OPTIONS".equals(method) && req.getContentLengthLong() > c.max_body_bytes()) {
            // read (and drop) a body up to 16 MiB (or 4 times the limit), so the client, still sending,
            // gets the answer instead of a reset connection; a larger one is cut off
            if (req.getContentLengthLong() <= Math.max(4 * c.max_body_bytes(), 16L << 20)) {
                try {
                    req.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                } catch (java.io.EOFException e) {
                    // the client stopped sending before its Content-Length; the answer below may still reach it
                }
            }
            resp.setHeader("Connection", "close");
            Json.error(req, resp, 413, "Content Too Large", "request body of " + req.getContentLengthLong() + " bytes is too large: at most "
                    + (c.max_body_bytes() / 1024) + " KiB");
            return;
        }
        // the one reading of the path: routing, role and audit all follow from this match
        Routes.Match match;
        try {
            match = Routes.match(method, Routes.canonical(req.getRequestURI().substring(req.getContextPath().length())));
        } catch (Routes.Ambiguous e) {
            Json.error(req, resp, 400, "Bad Request", e.getMessage());
            return;
        }
        req.setAttribute(MATCH, match);
        if ("OPTIONS".equals(method)) {
            if (match.allowed().isEmpty()) {
                notFound(req, resp, match);
                return;
            }
            chain.doFilter(request, response); // CORS preflight: no credentials by design
            return;
        }
        Routes.Route route = match.route();
        String action = route == null || route.action() == null ? null : route.action().id();
        String target = match.param() == null ? "" : match.param();
        String header = req.getHeader("Authorization");
        if (header == null || header.isBlank()) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"orchion\"");
            deny(req, resp, action, "anonymous@" + address, target, 401, "Unauthorized",
                    "this needs an API token: send 'Authorization: Bearer <token>' (make one with orchion:token create)");
            return;
        }
        Optional<Principal> who = header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? tokens.authenticate(header.substring(7).trim()) : Optional.empty();
        if (who.isEmpty()) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"orchion\", error=\"invalid_token\"");
            deny(req, resp, action, "anonymous@" + address, target, 401, "Unauthorized",
                    "the API token is unknown, expired or revoked");
            return;
        }
        Principal p = who.get();
        if (match.allowed().isEmpty()) {
            notFound(req, resp, match);
            return;
        }
        if (route == null) {
            String allow = Routes.allow(match.allowed());
            resp.setHeader("Allow", allow);
            Json.error(req, resp, 405, "Method Not Allowed", method + " is not allowed on " + match.path() + " (allowed: " + allow + ")");
            return;
        }
        if (!p.role().allows(route.role())) {
            deny(req, resp, action, p.actor(), target, 403, "Forbidden", "needs role " + route.role().label() + "; token '"
                    + p.name() + "' has role " + p.role().label());
            return;
        }
        req.setAttribute(PRINCIPAL, p);
        if (action == null) {
            chain.doFilter(request, response);
            return;
        }
        int status = 500;
        try {
            chain.doFilter(request, response);
            status = resp.getStatus();
        } finally {
            Object t = req.getAttribute(TARGET);
            record(p.actor(), action, t != null ? t.toString() : target, status);
        }
    }

    private static void notFound(HttpServletRequest req, HttpServletResponse resp, Routes.Match match) throws IOException {
        Json.error(req, resp, 404, "Not Found", "no resource at " + match.path() + " (see /api/openapi.json)");
    }

    /** A loopback client, by its address literal (no name lookup); on every request, so one parse and no regex. */
    static boolean loopback(String address) {
        if (address == null || address.isEmpty()) {
            return false;
        }
        String a = address.charAt(0) == '[' && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        try {
            return com.google.common.net.InetAddresses.forString(a).isLoopbackAddress();
        } catch (IllegalArgumentException notAnAddress) {
            return false;
        }
    }

    private void deny(HttpServletRequest req, HttpServletResponse resp, String action, String actor, String target, int status, String title,
            String detail) throws IOException {
        if (action != null) {
            record(actor, action, target, status);
        }
        Json.error(req, resp, status, title, detail);
    }

    private void record(String actor, String action, String target, int status) {
        AuditLog a = audit;
        if (a == null) {
            return;
        }
        String outcome = status < 300 ? "ok" : status == 401 ? "unauthenticated" : status == 403 ? "denied"
                : status == 404 ? "not-found" : status < 500 ? "invalid" : "error";
        a.record(new AuditEvent(Instant.now(), actor, action, target, "rest", outcome, "HTTP " + status));
    }
}
