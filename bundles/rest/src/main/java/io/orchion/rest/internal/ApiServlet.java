package io.orchion.rest.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.Validation;
import io.orchion.api.Orchion;
import io.orchion.api.job.Job;
import io.orchion.api.job.JobPage;
import io.orchion.api.job.JobQuery;
import io.orchion.api.job.JobService;
import io.orchion.api.job.JobSpecParser;
import io.orchion.api.log.JobLogs;
import io.orchion.api.log.LogChunk;
import io.orchion.api.metrics.Metrics;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.scheduler.SchedulerAdmin;
import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.AuditLog;
import io.orchion.api.security.Principal;
import io.orchion.api.security.Role;
import io.orchion.api.scheduler.StrategyStatus;
import io.orchion.proto.convert.JobMapping;
import io.orchion.proto.convert.NodeMapping;
import io.orchion.proto.v1.BundleInfo;
import io.orchion.proto.v1.Plugins;
import io.orchion.proto.v1.SchedulerPreview;
import io.orchion.proto.v1.SchedulerStatus;
import io.orchion.proto.v1.TelemetryWindow;
import io.orchion.proto.v1.UseStrategyRequest;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code /api/*}: nodes, jobs, the scheduler, plugins, health and the OpenAPI document. Bodies use
 * the protobuf JSON mapping of {@code orchion.v1}; every error is {@code application/problem+json}
 * naming what was wrong. The routes, with the role each needs, are {@link Routes#ALL}; the
 * servlet runs the handler of the route {@link AuthFilter} matched, and they are documented in
 * {@code openapi.json} beside this class (a test keeps the two in step).
 */
@Component(service = Servlet.class, configurationPid = Cors.PID)
@Designate(ocd = RestConfig.class)
@HttpWhiteboardServletPattern("/api/*")
@HttpWhiteboardServletName("orchion-api")
@HttpWhiteboardServletAsyncSupported
public class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    static final int MAX_BODY = 1 << 20;
    static final int MAX_SMALL_BODY = 4096;
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final Set<String> SPEC_TYPES = Set.of("application/json", "application/yaml", "application/x-yaml",
            "text/yaml");

    private final transient NodeRegistry registry;
    private final transient BundleContext context;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile SchedulerAdmin scheduler;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile JobService jobs;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile JobSpecParser parser;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile JobLogs logs;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile Metrics metrics;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile AuditLog auditLog;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile io.orchion.api.health.ProcessHealth processHealth;
    private transient volatile Cors cors;
    private final String version;
    private final String profile;
    private final transient byte[] openapi;

    @Activate
    public ApiServlet(@Reference NodeRegistry registry, BundleContext context, RestConfig config) throws IOException {
        this.registry = registry;
        this.context = context;
        this.version = orElse(context.getProperty(Orchion.VERSION), "dev");
        this.profile = orElse(context.getProperty(Orchion.PROFILE), "orchestrator");
        this.cors = new Cors(config.cors_origins());
        try (InputStream in = ApiServlet.class.getResourceAsStream("openapi.json")) {
            this.openapi = in.readAllBytes();
        }
    }

    @Modified
    void modified(RestConfig config) {
        this.cors = new Cors(config.cors_origins());
    }

    private static String orElse(String v, String fallback) {
        return v == null || v.isBlank() ? fallback : v;
    }

    /** An answer to send as a problem: the status and what was wrong. */
    static final class Problem extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        Problem(int status, String detail) {
            super(detail, null, false, false);
            this.status = status;
        }
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try {
            handle(req, resp);
        } finally {
            Metrics m = metrics;
            if (m != null) {
                m.httpRequest(req.getMethod(), resp.getStatus());
            }
        }
    }

    /**
     * Dispatches on the route {@link AuthFilter} matched and authorised; a request that did not pass
     * it (no match, or no principal on anything but a preflight) reaches no handler.
     */
    private void handle(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!(req.getAttribute(AuthFilter.MATCH) instanceof Routes.Match match)) {
            Json.problem(resp, 403, "this request was not authorised by the API's filter");
            return;
        }
        if (!cors.apply(req, resp)) {
            Json.problem(resp, 403, "origin " + req.getHeader("Origin") + " may not call this API (allowed: the "
                    + "instance's own origin and " + String.join(", ", cors.origins()) + "; set cors.origins in "
                    + "conf/io.orchion.rest.cfg)");
            return;
        }
        if ("OPTIONS".equals(req.getMethod()) && !match.allowed().isEmpty()) {
            resp.setHeader("Allow", Routes.allow(match.allowed()));
            resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        Routes.Route route = match.route();
        if (route == null || !(req.getAttribute(AuthFilter.PRINCIPAL) instanceof Principal)) {
            Json.problem(resp, 403, "this request was not authorised by the API's filter");
            return;
        }
        if (route.handler() == null) {
            // a route another servlet serves, reached here by a spelling the container maps elsewhere
            // (GET /api/events/): only that exact path reaches it
            Json.problem(resp, 404, "no resource at " + req.getRequestURI() + "; this is served at " + route.path());
            return;
        }
        try {
            // the container parses the query on first use and throws its own exception on bad
            // percent-encoding; read it here so that the answer is a problem like any other
            req.getParameterMap();
        } catch (RuntimeException e) {
            Json.problem(resp, 400, "the query string cannot be read: " + e.getMessage());
            return;
        }
        try {
            route.handler().handle(this, match.param(), req, resp);
        } catch (Problem p) {
            Json.problem(resp, p.status, p.getMessage());
        } catch (InvalidArgumentException e) {
            Json.problem(resp, 400, e.getMessage());
        } catch (io.orchion.api.LimitExceededException e) {
            Json.problem(resp, 429, e.getMessage()); // a bound on what is held; the same request may pass later
        } catch (NotFoundException e) {
            Json.problem(resp, 404, e.getMessage());
        }
    }

    // the handlers of Routes.ALL: (id, request, response), id being the route's path parameter or null

    void health(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HealthAnswer.write(resp, registry.nodes(), version, profile, processHealth);
    }

    void openapi(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("application/json");
        resp.getOutputStream().write(openapi);
    }

    void plugins(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Json.write(resp, plugins());
    }

    void scheduler(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Json.write(resp, status(scheduler().status()));
    }

    void preview(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String strategy = req.getParameter("strategy");
        if (strategy == null || strategy.isBlank()) {
            throw new Problem(400, "strategy: required, e.g. /api/scheduler/preview?strategy=bin-packing");
        }
        Json.write(resp, SchedulerPreview.newBuilder().setStrategy(strategy).putAllJobs(scheduler().preview(strategy)));
    }

    void node(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Json.write(resp, NodeMapping.toProto(node(id)));
    }

    void unregister(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Json.write(resp, NodeMapping.toProto(registry.unregister(node(id).id())));
    }

    void drain(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Json.write(resp, NodeMapping.toProto(registry.drain(node(id).id(), true)));
    }

    void undrain(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Json.write(resp, NodeMapping.toProto(registry.drain(node(id).id(), false)));
    }

    void telemetry(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String nodeId = node(id).id();
        TelemetryWindow.Builder w = TelemetryWindow.newBuilder().setNodeId(nodeId);
        registry.telemetry(nodeId).forEach(t -> w.addSamples(NodeMapping.toProto(t)));
        Json.write(resp, w);
    }

    void jobs(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(listJobs(req));
    }

    void job(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Json.write(resp, JobMapping.toProto(jobService().job(Validation.jobId("id", id))
                .orElseThrow(() -> new Problem(404, "no job with id '" + id + "'")), seesEnv(req)));
    }

    void cancel(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        // an operator's answer (the route needs operator): values included
        Json.write(resp, JobMapping.toProto(jobService().cancel(Validation.jobId("id", id)), true));
    }

    /** {@code GET /api/auth/whoami}: the token's name and role (the dashboard's sign-in checks it). */
    void whoami(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!(req.getAttribute(AuthFilter.PRINCIPAL) instanceof Principal p)) {
            throw new Problem(401, "not signed in");
        }
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write("{\"name\":" + Json.quote(p.name()) + ",\"role\":" + Json.quote(p.role().label())
                + ",\"tokenId\":" + Json.quote(p.id()) + "}");
    }

    /** {@code GET /api/audit?limit=&actor=&action=&since=}: the newest audit events first (admin only). */
    void audit(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        AuditLog log = auditLog;
        if (log == null) {
            throw new Problem(503, "the audit log is not running on this instance");
        }
        int limit = DEFAULT_LIMIT;
        String l = req.getParameter("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l.trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new Problem(400, "limit: must be a whole number from 1 to " + MAX_LIMIT + ", not '" + l + "'");
            }
        }
        java.time.Instant since = null;
        String s = req.getParameter("since");
        if (s != null && !s.isBlank()) {
            try {
                since = java.time.Instant.parse(s.trim());
            } catch (java.time.format.DateTimeParseException e) {
                throw new Problem(400, "since: not an RFC 3339 time such as 2026-11-29T08:00:00Z: '" + s + "'");
            }
        }
        List<AuditEvent> events = log.query(limit, blankToNull(req.getParameter("actor")),
                blankToNull(req.getParameter("action")), since);
        StringBuilder sb = new StringBuilder("{\"events\":[");
        for (AuditEvent e : events) {
            if (sb.charAt(sb.length() - 1) != '[') {
                sb.append(',');
            }
            sb.append("{\"at\":").append(Json.quote(e.at().toString())).append(",\"actor\":").append(Json.quote(e.actor()))
                    .append(",\"action\":").append(Json.quote(e.action())).append(",\"target\":")
                    .append(Json.quote(e.target())).append(",\"via\":").append(Json.quote(e.via()))
                    .append(",\"outcome\":").append(Json.quote(e.outcome())).append(",\"detail\":")
                    .append(Json.quote(e.detail())).append('}');
        }
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(sb.append("]}").toString());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** A node's JSON, kept while the registry hands out the same (immutable) value. */
    record Printed(Node node, String json) {
    }

    private final transient Map<String, Printed> printed = new ConcurrentHashMap<>();

    /** {@code GET /api/nodes}: each node printed once per change, not once per request. */
    void nodes(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<Node> all = registry.nodes();
        StringBuilder sb = new StringBuilder(all.size() * 1024 + 2).append('[');
        for (Node n : all) {
            Printed p = printed.get(n.id());
            if (p == null || p.node() != n) {
                p = new Printed(n, Json.print(NodeMapping.toProto(n)));
                printed.put(n.id(), p);
            }
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(p.json());
        }
        if (printed.size() > all.size()) {
            Set<String> ids = new java.util.HashSet<>();
            all.forEach(n -> ids.add(n.id()));
            printed.keySet().retainAll(ids);
        }
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(sb.append(']').toString());
    }

    private SchedulerAdmin scheduler() {
        SchedulerAdmin admin = scheduler;
        if (admin == null) {
            throw new Problem(503, "the scheduler is not running on this instance");
        }
        return admin;
    }

    private JobService jobService() {
        JobService service = jobs;
        if (service == null) {
            throw new Problem(503, "the scheduler is not running on this instance");
        }
        return service;
    }

    /** A node by id, or by its display name when that is unambiguous. */
    private Node node(String idOrName) {
        Validation.nodeRef("id", idOrName); // 400 before any lookup: an id, or a name without control characters
        var byId = Validation.isNodeId(idOrName) ? registry.node(idOrName) : java.util.Optional.<Node>empty();
        if (byId.isPresent()) {
            return byId.get();
        }
        List<Node> named = registry.nodes().stream().filter(n -> n.name().equals(idOrName)).toList();
        if (named.size() == 1) {
            return named.get(0);
        }
        throw new Problem(404, "no node with id '" + idOrName + "'");
    }

    static SchedulerStatus status(StrategyStatus s) {
        return SchedulerStatus.newBuilder().setActive(s.active()).setConfigured(s.configured())
                .addAllAvailable(s.available()).setReason(s.reason()).setSinceUnixMs(s.since().toEpochMilli()).build();
    }

    private Plugins plugins() {
        Plugins.Builder p = Plugins.newBuilder();
        SchedulerAdmin admin = scheduler;
        if (admin != null) {
            p.addAllStrategies(new TreeSet<>(admin.status().available()));
        }
        Set<String> runtimes = new TreeSet<>();
        registry.nodes().forEach(n -> runtimes.addAll(n.capabilities().runtimes()));
        p.addAllRuntimes(runtimes);
        for (Bundle b : context.getBundles()) {
            String plugin = b.getHeaders().get(Orchion.PLUGIN_HEADER);
            p.addBundles(BundleInfo.newBuilder().setId(b.getBundleId())
                    .setSymbolicName(b.getSymbolicName() == null ? "" : b.getSymbolicName())
                    .setVersion(b.getVersion().toString()).setState(state(b)).setPlugin(plugin == null ? "" : plugin));
        }
        return p.build();
    }

    static String state(Bundle b) {
        return switch (b.getState()) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> "INSTALLED";
        };
    }

    /**
     * {@code GET /api/jobs?state=&node=&label=k=v&limit=&pageToken=}: newest first, as the job
     * service pages them ({@link JobQuery}); this prints the page, each job's JSON kept while the
     * service hands out the same value.
     */
    private String listJobs(HttpServletRequest req) throws IOException {
        int limit = intParam(req, "limit", DEFAULT_LIMIT, 1, JobQuery.MAX_LIMIT);
        String[] labels = req.getParameterValues("label");
        JobQuery query = JobQuery.of(req.getParameter("state"), req.getParameter("node"),
                labels == null ? List.of() : List.of(labels), limit, req.getParameter("pageToken"));
        JobPage page = jobService().jobs(query);
        boolean revealEnv = seesEnv(req);
        StringBuilder out = new StringBuilder(page.jobs().size() * 2048 + 64).append("{\"jobs\":[");
        for (Job j : page.jobs()) {
            out.append(out.charAt(out.length() - 1) == '[' ? "" : ",").append(jobJson(j, revealEnv));
        }
        // the protobuf JSON mapping of ListJobsResponse, from jobs printed once per change
        return out.append("],\"nextPageToken\":").append(Json.quote(page.nextPageToken())).append(",\"total\":")
                .append(page.total()).append('}').toString();
    }

    /** A job's JSON as printed for the value the job service handed out: with env values, and without. */
    record PrintedJob(Job job, String json, String redacted) {
    }

    /** Env values are for operators and admins; a viewer sees them redacted (docs/security.md). */
    static boolean seesEnv(HttpServletRequest req) {
        return req.getAttribute(AuthFilter.PRINCIPAL) instanceof Principal p && p.role().allows(Role.OPERATOR);
    }

    static final int PRINTED_JOBS = 10_000;

    /** The JSON of recently listed jobs, kept while the job service hands out the same value. */
    private final transient Map<String, PrintedJob> printedJobs = new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PrintedJob> eldest) {
            return size() > PRINTED_JOBS;
        }
    };

    private String jobJson(Job j, boolean revealEnv) throws IOException {
        PrintedJob p;
        synchronized (printedJobs) {
            p = printedJobs.get(j.id());
        }
        if (p == null || p.job() != j) {
            p = new PrintedJob(j, null, null);
        }
        String json = revealEnv ? p.json() : p.redacted();
        if (json != null) {
            return json;
        }
        json = Json.print(JobMapping.toProto(j, revealEnv));
        p = revealEnv ? new PrintedJob(j, json, p.redacted()) : new PrintedJob(j, p.json(), json);
        synchronized (printedJobs) {
            printedJobs.put(j.id(), p);
        }
        return json;
    }

    static int intParam(HttpServletRequest req, String name, int dflt, int min, int max) {
        String v = req.getParameter(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new Problem(400, name + ": " + n + " is out of range " + min + ".." + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new Problem(400, name + ": '" + v + "' is not a whole number");
        }
    }

    static long longParam(HttpServletRequest req, String name, long dflt) {
        String v = req.getParameter(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) {
                throw new Problem(400, name + ": " + n + " is negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new Problem(400, name + ": '" + v + "' is not a whole number");
        }
    }

    /** The request's media type, lower case, without parameters. */
    static String type(HttpServletRequest req) {
        return req.getContentType() == null ? "" : req.getContentType().split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
    }

    /** Reads a body of at most {@code max} bytes, or answers 413; malformed UTF-8 answers 400. */
    static String body(HttpServletRequest req, int max) throws IOException {
        String limit = max >= 1024 ? (max >> 10) + " KiB" : max + " bytes";
        if (req.getContentLengthLong() > max) {
            throw new Problem(413, "the request body is at most " + limit);
        }
        byte[] body;
        try {
            body = req.getInputStream().readNBytes(max + 1);
        } catch (java.io.EOFException e) {
            // the client stopped sending (and shut its side) before the length it announced; it may
            // still read the answer
            throw new Problem(400, "the request body ended early: " + req.getContentLengthLong()
                    + " bytes were announced in Content-Length");
        }
        if (body.length > max) {
            throw new Problem(413, "the request body is at most " + limit);
        }
        return Validation.utf8("body", body);
    }

    /** {@code POST /api/jobs}: a spec as JSON or YAML, said by its Content-Type. */
    void submit(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        JobService service = jobService();
        JobSpecParser specs = parser;
        if (specs == null) {
            throw new Problem(503, "the job spec parser is not running on this instance");
        }
        String type = type(req);
        if (!SPEC_TYPES.contains(type)) {
            throw new Problem(415, "send the job spec as application/json or application/yaml, not '" + type + "'");
        }
        Job job = service.submit(specs.parse(body(req, MAX_BODY)));
        req.setAttribute(AuthFilter.TARGET, job.id());
        resp.setStatus(201);
        resp.setHeader("Location", "/api/jobs/" + job.id());
        Json.write(resp, JobMapping.toProto(job, true)); // the submitter's own spec
    }

    /** {@code PUT /api/scheduler} with {@code {"strategy": "bin-packing"}}: as orchion:scheduler use. */
    void useStrategy(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        SchedulerAdmin admin = scheduler();
        if (!"application/json".equals(type(req))) {
            throw new Problem(415, "send {\"strategy\": NAME} as application/json, not '" + type(req) + "'");
        }
        String body = body(req, MAX_SMALL_BODY);
        UseStrategyRequest.Builder use = UseStrategyRequest.newBuilder();
        try {
            JsonFormat.parser().merge(body, use);
        } catch (InvalidProtocolBufferException e) {
            throw new Problem(400, "not a {\"strategy\": NAME} object: "
                    + String.valueOf(e.getMessage()).replaceAll("[\\w.]+(Exception|Error): ", ""));
        }
        if (use.getStrategy().isBlank()) {
            throw new Problem(400, "strategy: required");
        }
        Json.write(resp, status(admin.use(use.getStrategy())));
    }

    /**
     * {@code GET /api/jobs/{id}/logs?after=SEQ&limit=N} or {@code ?tail=N}: a page of the log;
     * {@code ?follow=true}: server-sent events until the job has ended.
     */
    void logs(String id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        JobLogs store = logs;
        if (store == null) {
            throw new Problem(503, "job logs are not kept on this instance");
        }
        jobService().job(Validation.jobId("id", id)).orElseThrow(() -> new Problem(404, "no job with id '" + id + "'"));
        long after = longParam(req, "after", 0);
        int limit = intParam(req, "limit", 1000, 1, 10_000);
        int tail = intParam(req, "tail", 0, 0, 10_000);
        if ("true".equalsIgnoreCase(req.getParameter("follow"))) {
            String last = req.getHeader("Last-Event-ID");
            if (last == null) {
                last = req.getParameter("lastEventId");
            }
            if (last != null && !last.isBlank()) {
                try {
                    after = Long.parseLong(last.trim());
                    tail = 0;
                } catch (NumberFormatException e) {
                    throw new Problem(400, "Last-Event-ID: '" + last + "' is not a log sequence number");
                }
            }
            LogFollower.start(req, resp, store, id, after, tail);
            return;
        }
        LogChunk chunk = tail > 0 ? store.tail(id, tail) : store.read(id, after, limit);
        Json.write(resp, LogFollower.page(chunk));
    }
}
