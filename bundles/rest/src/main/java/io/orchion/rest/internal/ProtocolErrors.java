package io.orchion.rest.internal;

import org.apache.felix.http.jetty.ConnectorFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Puts {@link ProblemErrorHandler} on Felix HTTP's Jetty server, so that errors Jetty answers
 * before any servlet (414, 431, bad or ambiguous requests) are problem documents too. Felix HTTP
 * hands its {@link Server} only to the {@link ConnectorFactory} services it tracks, so this is one;
 * the connector it adds is a {@link LocalConnector}: no socket, no thread, nothing reachable. When
 * this bundle stops, the server gets its own error handler back. Errors inside the servlet context
 * are answered by {@link ErrorPageServlet}.
 */
@Component(service = ConnectorFactory.class)
public class ProtocolErrors implements ConnectorFactory {
    private Server server;
    private Request.Handler previous;
    private ProblemErrorHandler ours;

    @Override
    public synchronized Connector createConnector(Server server) {
        this.server = server;
        this.previous = server.getErrorHandler();
        this.ours = new ProblemErrorHandler();
        server.setErrorHandler(ours);
        return new LocalConnector(server);
    }

    @Deactivate
    synchronized void deactivate() {
        if (server != null && server.getErrorHandler() == ours) {
            server.setErrorHandler(previous);
        }
    }
}
