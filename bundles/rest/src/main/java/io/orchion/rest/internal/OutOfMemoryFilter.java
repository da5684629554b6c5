package io.orchion.rest.internal;

import java.io.IOException;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;

import io.orchion.api.health.ProcessHealth;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Outermost on {@code /api/*} and {@code /metrics}: an {@link OutOfMemoryError} in a request is
 * told to {@link ProcessHealth} (so {@code /api/health} answers DOWN with the reason) and answered
 * as a 503 problem that names no internals, instead of the container's HTML page naming the error.
 */
@Component(service = Filter.class, property = "service.ranking:Integer=1000")
@HttpWhiteboardFilterPattern({ "/api/*", "/metrics" })
@HttpWhiteboardFilterName("orchion-out-of-memory")
@HttpWhiteboardFilterAsyncSupported
public class OutOfMemoryFilter implements Filter {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ProcessHealth health;

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        try {
            chain.doFilter(request, response);
        } catch (OutOfMemoryError e) {
            HttpServletRequest req = (HttpServletRequest) request;
            ProcessHealth h = health;
            if (h != null) {
                h.outOfMemory(req.getMethod() + " " + req.getRequestURI());
            }
            HttpServletResponse resp = (HttpServletResponse) response;
            if (!resp.isCommitted()) {
                resp.reset();
                Json.problem(resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                        "the orchestrator ran out of memory serving this request; whether it took effect is"
                                + " unknown, so look before retrying. See /api/health");
            }
        }
    }
}
