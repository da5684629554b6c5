package io.orchion.rest.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Collection;

import io.orchion.api.health.HealthReport;
import io.orchion.api.health.ProcessHealth;
import io.orchion.api.node.Node;
import io.orchion.proto.convert.NodeMapping;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /api/health}: the process's state (UP, DEGRADED or DOWN with the reasons, from
 * {@link ProcessHealth}) and the nodes by status. DOWN answers 503 with the same body, so a load
 * balancer or a probe that reads only the status code takes the instance out; DEGRADED still
 * answers 200 (the instance works).
 */
final class HealthAnswer {
    private HealthAnswer() {
    }

    static void write(HttpServletResponse resp, Collection<Node> nodes, String version, String profile,
            ProcessHealth health) throws IOException {
        HealthReport process = health == null ? null : health.now();
        if (process != null && process.state() == HealthReport.State.DOWN) {
            resp.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        }
        resp.setHeader("Cache-Control", "no-store");
        Json.write(resp, NodeMapping.health(nodes, version, profile, ManagementFactory.getRuntimeMXBean().getUptime(),
                process));
    }
}
