package io.orchion.control.internal;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.orchion.api.Orchion;
import io.orchion.api.Ready;
import io.orchion.api.job.JobService;
import io.orchion.api.log.JobLogs;
import io.orchion.api.log.LogIngest;
import io.orchion.api.job.JobSpecParser;
import io.orchion.api.job.RunDispatcher;
import io.orchion.api.job.RunReports;
import io.orchion.api.node.NodeListener;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.security.ApiTokens;
import io.orchion.api.security.AuditLog;
import io.orchion.api.security.CertificateAuthority;

/**
 * The orchestrator's gRPC listener. Its address comes from the configuration (PID
 * {@code io.orchion.control}); the launcher's {@code --grpc-port} and {@code --bind} override it.
 */
@Component(service = {}, immediate = true, configurationPid = ControlComponent.PID)
@Designate(ocd = ControlComponent.Config.class)
public class ControlComponent {
    static final String PID = "io.orchion.control";
    private static final Logger LOG = LoggerFactory.getLogger(ControlComponent.class);

    @ObjectClassDefinition(name = "Orchion control (gRPC)")
    public @interface Config {
        @AttributeDefinition(description = "gRPC listen port")
        int port() default 50051;

        @AttributeDefinition(description = "address to bind, 0.0.0.0 for every interface")
        String bind() default "0.0.0.0";
    }

    private final Server server;
    private final AgentChannelService channel;
    private final ServiceRegistration<Ready> ready;
    /** Registered by hand once the server is up: as a DS service it would make a cycle with the registry. */
    private final ServiceRegistration<NodeListener> listener;
    private final ServiceRegistration<RunDispatcher> dispatcher;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile RunReports reports;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile JobService jobs;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile LogIngest logIngest;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile JobLogs jobLogs;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile JobSpecParser parser;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile io.orchion.api.metrics.Metrics metrics;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile io.orchion.api.health.ProcessHealth health;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile AuditLog audit;

    @Activate
    public ControlComponent(@Reference NodeRegistry registry, @Reference CertificateAuthority ca,
            @Reference ApiTokens tokens, BundleContext context, Map<String, Object> config) throws IOException {
        String bind = override(context, Orchion.BIND_ADDRESS, String.valueOf(config.getOrDefault("bind", "0.0.0.0")));
        int port = Integer.parseInt(override(context, Orchion.GRPC_PORT, String.valueOf(config.getOrDefault("port", 50051))));
        this.channel = new AgentChannelService(registry, () -> reports, () -> logIngest, ca::isRevoked, () -> jobs,
                () -> audit);
        InetSocketAddress address = new InetSocketAddress(bind, port);
        // TLS always; a client certificate is optional at the handshake (API clients and joining
        // agents have none) and required per call by the AuthInterceptor for the node services
        ServerCredentials tls = TlsServerCredentials.newBuilder().keyManager(ca.serverKeys())
                .trustManager(ca.clientTrust()).clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL).build();
        Server s = NettyServerBuilder.forAddress(address, tls)
                .addService(ServerInterceptors.intercept(new EnrollmentService(ca), OrchestratorService.PEER_INTERCEPTOR))
                .addService(ServerInterceptors.intercept(new OrchestratorService(registry,
                        override(context, Orchion.VERSION, "dev"), override(context, Orchion.PROFILE, "orchestrator"),
                        () -> health), OrchestratorService.PEER_INTERCEPTOR))
                .addService(ServerInterceptors.intercept(channel, OrchestratorService.PEER_INTERCEPTOR))
                .addService(new JobsService(() -> jobs, () -> parser, () -> jobLogs))
                .intercept(new AuthInterceptor(ca, tokens, () -> audit))
                .intercept(new MetricsInterceptor(() -> metrics))
                .maxInboundMetadataSize(16 << 10).maxConcurrentCallsPerConnection(1024)
                .handshakeTimeout(10, TimeUnit.SECONDS)
                .permitKeepAliveTime(10, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true)
                .maxInboundMessageSize(4 << 20).build();
        try {
            s.start();
        } catch (IOException e) {
            String why = e instanceof BindException || e.getCause() instanceof BindException
                    ? "address already in use" : e.getMessage();
            LOG.error("control: cannot listen for gRPC on {}:{}: {}", bind, port, why);
            throw e;
        }
        this.server = s;
        String where = bind + ":" + server.getPort();
        LOG.info("control: gRPC (TLS) listening on {}", where);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Ready.PROPERTY, "grpc");
        this.ready = context.registerService(Ready.class, () -> "gRPC (TLS) on " + where, props);
        this.listener = context.registerService(NodeListener.class, (change, node) -> {
            if (change == NodeListener.Change.UNREGISTERED) {
                channel.unregistered(node);
            } else if (change == NodeListener.Change.FORGOTTEN) {
                channel.forgotten(node);
            }
        }, null);
        this.dispatcher = context.registerService(RunDispatcher.class, channel, null);
    }

    private static String override(BundleContext context, String property, String configured) {
        String v = context.getProperty(property);
        return v == null || v.isBlank() ? configured : v;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        for (ServiceRegistration<?> r : List.of(ready, listener, dispatcher)) {
            try {
                r.unregister();
            } catch (IllegalStateException ignored) {
                // already gone with the bundle
            }
        }
        server.shutdown();
        if (!server.awaitTermination(3, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
    }
}
