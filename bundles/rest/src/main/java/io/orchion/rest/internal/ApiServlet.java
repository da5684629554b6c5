package io.orchion.rest.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import io.orchion.api.Orchion;
import io.orchion.api.job.JobService;
import io.orchion.api.job.JobSpecParser;
import io.orchion.api.node.NodeRegistry;
import io.orchion.proto.convert.JobMapping;
import io.orchion.api.scheduler.SchedulerAdmin;
import io.orchion.api.scheduler.StrategyStatus;
import io.orchion.proto.v1.SchedulerPreview;
import io.orchion.proto.v1.SchedulerStatus;
import io.orchion.proto.v1.UseStrategyRequest;
import io.orchion.proto.convert.NodeMapping;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code /api/*}: nodes, jobs, the scheduler's strategy and health. Bodies use the protobuf JSON mapping of {@code orchion.v1}.
 * Until API tokens exist, the only mutations are job submission and cancellation, and other
 * origins may only read (CORS).
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/*")
@HttpWhiteboardServletName("orchion-api")
public class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient NodeRegistry registry;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile SchedulerAdmin scheduler;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile JobService jobs;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile JobSpecParser parser;

    static final int MAX_BODY = 1 << 20;
    static final java.util.Set<String> SPEC_TYPES = java.util.Set.of("application/json", "application/yaml",
            "application/x-yaml", "text/yaml");
    private final String version;
    private final String profile;

    @Activate
    public ApiServlet(@Reference NodeRegistry registry, BundleContext context) {
        this.registry = registry;
        this.version = orElse(context.getProperty(Orchion.VERSION), "dev");
        this.profile = orElse(context.getProperty(Orchion.PROFILE), "orchestrator");
    }

    private static String orElse(String v, String fallback) {
        return v == null || v.isBlank() ? fallback : v;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        cors(resp);
        if ("OPTIONS".equals(req.getMethod())) {
            resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
        if (path.equals("/jobs") || path.startsWith("/jobs/")) {
            jobs(req, resp, path);
            return;
        }
        if (path.equals("/scheduler") && "PUT".equals(req.getMethod())) {
            useStrategy(req, resp);
            return;
        }
        if (!"GET".equals(req.getMethod()) && !"HEAD".equals(req.getMethod())) {
            resp.setHeader("Allow", "GET, HEAD, OPTIONS");
            Json.problem(resp, 405, "Method Not Allowed", req.getMethod() + " is not allowed on /api" + path);
            return;
        }
        if (path.equals("/health")) {
            Json.write(resp, NodeMapping.health(registry.nodes(), version, profile,
                    ManagementFactory.getRuntimeMXBean().getUptime()));
        } else if (path.equals("/scheduler")) {
            SchedulerAdmin admin = scheduler;
            if (admin == null) {
                Json.problem(resp, 503, "Service Unavailable", "the scheduler is not running");
                return;
            }
            StrategyStatus s = admin.status();
            Json.write(resp, SchedulerStatus.newBuilder().setActive(s.active()).setConfigured(s.configured())
                    .addAllAvailable(s.available()).setReason(s.reason()).setSinceUnixMs(s.since().toEpochMilli()));
        } else if (path.equals("/scheduler/preview")) {
            SchedulerAdmin admin = scheduler;
            String name = req.getParameter("strategy");
            if (admin == null) {
                Json.problem(resp, 503, "Service Unavailable", "the scheduler is not running");
            } else if (name == null || name.isBlank()) {
                Json.problem(resp, 400, "Bad Request", "strategy: required, e.g. /api/scheduler/preview?strategy=bin-packing");
            } else {
                try {
                    Json.write(resp, SchedulerPreview.newBuilder().setStrategy(name).putAllJobs(admin.preview(name)));
                } catch (io.orchion.api.InvalidArgumentException e) {
                    Json.problem(resp, 400, "Bad Request", e.getMessage());
                }
            }
        } else if (path.equals("/nodes") || path.equals("/nodes/")) {
            Json.writeArray(resp, registry.nodes().stream().map(NodeMapping::toProto).toList());
        } else if (path.startsWith("/nodes/") && path.indexOf('/', 7) < 0) {
            String id = path.substring(7);
            var node = registry.node(id);
            if (node.isEmpty()) {
                Json.problem(resp, 404, "Not Found", "no node with id '" + id + "'");
            } else {
                Json.write(resp, NodeMapping.toProto(node.get()));
            }
        } else {
            Json.problem(resp, 404, "Not Found", "no resource at /api" + path);
        }
    }

    /**
     * {@code /api/jobs}: submit (POST, JSON or YAML), list (GET, {@code ?state=}), show and cancel
     * (DELETE). A submission must say its type (application/json or application/yaml): browsers
     * then ask first, and the CORS answer allows other origins to read only.
     */
    private void jobs(HttpServletRequest req, HttpServletResponse resp, String path) throws IOException {
        JobService service = jobs;
        JobSpecParser specs = parser;
        if (service == null || specs == null) {
            Json.problem(resp, 503, "Service Unavailable", "the scheduler is not running");
            return;
        }
        String id = path.startsWith("/jobs/") ? path.substring(6) : "";
        String method = req.getMethod();
        try {
            if (id.isEmpty() && "POST".equals(method)) {
                String type = req.getContentType() == null ? "" : req.getContentType().split(";")[0].trim().toLowerCase();
                if (!SPEC_TYPES.contains(type)) {
                    Json.problem(resp, 415, "Unsupported Media Type", "send the job spec as application/json or "
                            + "application/yaml, not '" + type + "'");
                    return;
                }
                if (req.getContentLengthLong() > MAX_BODY) {
                    Json.problem(resp, 413, "Content Too Large", "a job spec is at most " + (MAX_BODY >> 10) + " KiB");
                    return;
                }
                byte[] body = req.getInputStream().readNBytes(MAX_BODY + 1);
                if (body.length > MAX_BODY) {
                    Json.problem(resp, 413, "Content Too Large", "a job spec is at most " + (MAX_BODY >> 10) + " KiB");
                    return;
                }
                var job = service.submit(specs.parse(new String(body, java.nio.charset.StandardCharsets.UTF_8)));
                resp.setStatus(201);
                resp.setHeader("Location", "/api/jobs/" + job.id());
                Json.write(resp, JobMapping.toProto(job));
            } else if (id.isEmpty() && ("GET".equals(method) || "HEAD".equals(method))) {
                String state = req.getParameter("state");
                Json.writeArray(resp, service.jobs().stream()
                        .filter(j -> state == null || state.isBlank() || j.state().name().equalsIgnoreCase(state))
                        .map(JobMapping::toProto).toList());
            } else if (!id.isEmpty() && !id.contains("/") && ("GET".equals(method) || "HEAD".equals(method))) {
                var job = service.job(id);
                if (job.isEmpty()) {
                    Json.problem(resp, 404, "Not Found", "no job with id '" + id + "'");
                } else {
                    Json.write(resp, JobMapping.toProto(job.get()));
                }
            } else if (!id.isEmpty() && !id.contains("/") && "DELETE".equals(method)) {
                Json.write(resp, JobMapping.toProto(service.cancel(id)));
            } else {
                resp.setHeader("Allow", id.isEmpty() ? "GET, HEAD, POST, OPTIONS" : "GET, HEAD, DELETE, OPTIONS");
                Json.problem(resp, 405, "Method Not Allowed", method + " is not allowed on /api" + path);
            }
        } catch (io.orchion.api.InvalidArgumentException e) {
            Json.problem(resp, 400, "Bad Request", e.getMessage());
        } catch (io.orchion.api.NotFoundException e) {
            Json.problem(resp, 404, "Not Found", e.getMessage());
        }
    }

    /** {@code PUT /api/scheduler} with {@code {"strategy": "bin-packing"}}: as orchion:scheduler use. */
    private void useStrategy(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        SchedulerAdmin admin = scheduler;
        if (admin == null) {
            Json.problem(resp, 503, "Service Unavailable", "the scheduler is not running");
            return;
        }
        String type = req.getContentType() == null ? "" : req.getContentType().split(";")[0].trim().toLowerCase();
        if (!"application/json".equals(type)) {
            Json.problem(resp, 415, "Unsupported Media Type", "send {\"strategy\": NAME} as application/json");
            return;
        }
        byte[] body = req.getInputStream().readNBytes(4097);
        if (body.length > 4096) {
            Json.problem(resp, 413, "Content Too Large", "at most 4 KiB");
            return;
        }
        UseStrategyRequest.Builder use = UseStrategyRequest.newBuilder();
        try {
            com.google.protobuf.util.JsonFormat.parser().merge(new String(body, java.nio.charset.StandardCharsets.UTF_8), use);
            StrategyStatus s = admin.use(use.getStrategy());
            Json.write(resp, SchedulerStatus.newBuilder().setActive(s.active()).setConfigured(s.configured())
                    .addAllAvailable(s.available()).setReason(s.reason()).setSinceUnixMs(s.since().toEpochMilli()));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            Json.problem(resp, 400, "Bad Request", "not a {\"strategy\": NAME} object: " + e.getMessage());
        } catch (io.orchion.api.InvalidArgumentException e) {
            Json.problem(resp, 400, "Bad Request", e.getMessage());
        }
    }

    /** CORS as in the seed: any origin may read. */
    static void cors(HttpServletResponse resp) {
        resp.setHeader("Access-Control-Allow-Origin", "*");
        resp.setHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
        resp.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization");
        resp.setHeader("Access-Control-Max-Age", "600");
    }
}
