package io.orchion.rest.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

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
 * In front of {@code /api/*} and {@code /metrics}: a rate limit per client address, a size
 * limit, the bearer token and the role each route needs, and the audit record of every
 * mutating request with its outcome. The dashboard's static files are not behind it.
 */
@Component(service = Filter.class, configurationPid = AuthFilter.PID)
@Designate(ocd = AuthFilter.Config.class)
@HttpWhiteboardFilterPattern({ "/api/*", "/metrics" })
@HttpWhiteboardFilterName("orchion-auth")
@HttpWhiteboardFilterAsyncSupported
public class AuthFilter implements Filter {
    static final String PID = "io.orchion.rest.limits";
    /** Request attribute: the {@link Principal} of an authenticated request. */
    static final String PRINCIPAL = "orchion.principal";
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

    /** What a route needs and, for a mutating one, its audit action. */
    record Rule(Role role, String action) {
    }

    private static final Pattern JOB = Pattern.compile("/api/jobs/[^/]+");
    private static final Pattern NODE = Pattern.compile("/api/nodes/[^/]+");
    private static final Pattern DRAIN = Pattern.compile("/api/nodes/[^/]+/(drain|undrain)");

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

    /** The role a request needs and what to audit it as; unknown mutating routes need admin. */
    static Rule rule(String method, String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return switch (method) {
            case "GET", "HEAD" -> p.equals("/api/audit") ? new Rule(Role.ADMIN, null) : new Rule(Role.VIEWER, null);
            case "POST" -> p.equals("/api/jobs") ? new Rule(Role.OPERATOR, "job.submit")
                    : DRAIN.matcher(p).matches() ? new Rule(Role.OPERATOR, "node." + p.substring(p.lastIndexOf('/') + 1))
                    : new Rule(Role.ADMIN, "api." + method.toLowerCase());
            case "DELETE" -> JOB.matcher(p).matches() ? new Rule(Role.OPERATOR, "job.cancel")
                    : NODE.matcher(p).matches() ? new Rule(Role.ADMIN, "node.unregister")
                    : new Rule(Role.ADMIN, "api.delete");
            case "PUT" -> p.equals("/api/scheduler") ? new Rule(Role.OPERATOR, "scheduler.use")
                    : new Rule(Role.ADMIN, "api.put");
            default -> new Rule(Role.ADMIN, "api." + method.toLowerCase());
        };
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        String method = req.getMethod();
        if ("OPTIONS".equals(method)) {
            chain.doFilter(request, response); // CORS preflight: no credentials by design
            return;
        }
        String path = req.getRequestURI().substring(req.getContextPath().length());
        Config c = config;
        String address = req.getRemoteAddr();
        if ((c.limit_loopback() || !loopback(address)) && !limiters.asMap().computeIfAbsent(address,
                a -> RateLimiter.create(Math.max(0.1, c.requests_per_second()))).tryAcquire()) {
            resp.setHeader("Retry-After", "1");
            Json.problem(resp, 429, "Too Many Requests", "more than " + c.requests_per_second()
                    + " requests a second from " + address + "; retry after a second");
            return;
        }
        if (req.getContentLengthLong() > c.max_body_bytes()) {
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
            Json.problem(resp, 413, "request body of " + req.getContentLengthLong() + " bytes is too large: at most "
                    + (c.max_body_bytes() / 1024) + " KiB");
            return;
        }
        Rule rule = rule(method, path);
        String target = target(path);
        String header = req.getHeader("Authorization");
        if (header == null || header.isBlank()) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"orchion\"");
            deny(resp, rule, "anonymous@" + address, target, 401, "Unauthorized",
                    "this needs an API token: send 'Authorization: Bearer <token>' (make one with orchion:token create)");
            return;
        }
        Optional<Principal> who = header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? tokens.authenticate(header.substring(7).trim()) : Optional.empty();
        if (who.isEmpty()) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"orchion\", error=\"invalid_token\"");
            deny(resp, rule, "anonymous@" + address, target, 401, "Unauthorized",
                    "the API token is unknown, expired or revoked");
            return;
        }
        Principal p = who.get();
        if (!p.role().allows(rule.role())) {
            deny(resp, rule, p.actor(), target, 403, "Forbidden", "needs role " + rule.role().label() + "; token '"
                    + p.name() + "' has role " + p.role().label());
            return;
        }
        req.setAttribute(PRINCIPAL, p);
        if (rule.action() == null) {
            chain.doFilter(request, response);
            return;
        }
        int status = 500;
        try {
            chain.doFilter(request, response);
            status = resp.getStatus();
        } finally {
            Object t = req.getAttribute(TARGET);
            record(p.actor(), rule.action(), t != null ? t.toString() : target, status);
        }
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

    private static String target(String path) {
        String[] parts = path.split("/");
        return parts.length > 3 ? parts[3] : "";
    }

    private void deny(HttpServletResponse resp, Rule rule, String actor, String target, int status, String title,
            String detail) throws IOException {
        if (rule.action() != null) {
            record(actor, rule.action(), target, status);
        }
        Json.problem(resp, status, title, detail);
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
