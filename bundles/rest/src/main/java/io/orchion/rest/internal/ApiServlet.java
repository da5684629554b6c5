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
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.scheduler.SchedulerAdmin;
import io.orchion.api.scheduler.StrategyStatus;
import io.orchion.proto.v1.SchedulerStatus;
import io.orchion.proto.convert.NodeMapping;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code /api/*}: nodes, the scheduler's strategy and health. Bodies use the protobuf JSON mapping of {@code orchion.v1}.
 * Read-only for now: mutating calls go through the shell and gRPC until API tokens exist.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/*")
@HttpWhiteboardServletName("orchion-api")
public class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient NodeRegistry registry;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile SchedulerAdmin scheduler;
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

    /** CORS as in the seed: any origin may read. */
    static void cors(HttpServletResponse resp) {
        resp.setHeader("Access-Control-Allow-Origin", "*");
        resp.setHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
        resp.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization");
        resp.setHeader("Access-Control-Max-Age", "600");
    }
}
