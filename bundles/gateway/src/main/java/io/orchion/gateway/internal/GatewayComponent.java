package io.orchion.gateway.internal;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import io.orchion.api.job.JobService;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code /v1/*} on the orchestrator's HTTP port: the {@link Gateway} to the models the cluster's
 * serving jobs answer for ({@link ServingJobs}, refreshed every {@code discovery.interval.ms}).
 * The REST bundle's filter stands in front of it (the route table names the {@code /v1} routes and
 * their role, {@code inference}), so a call here has passed the one authorisation. Configuration
 * PID {@code io.orchion.gateway}.
 */
@Component(service = Servlet.class, configurationPid = GatewayComponent.PID)
@Designate(ocd = GatewayComponent.Config.class)
@HttpWhiteboardServletPattern("/v1/*")
@HttpWhiteboardServletName("orchion-gateway")
@HttpWhiteboardServletAsyncSupported
public class GatewayComponent extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String PID = "io.orchion.gateway";

    @ObjectClassDefinition(name = "Orchion model gateway")
    public @interface Config {
        @AttributeDefinition(name = "max.inflight.per.replica", description = "requests a replica is given at once "
                + "(set it to the server's parallel slots)")
        int max_inflight_per_replica() default 8;

        @AttributeDefinition(name = "max.queue.per.model", description = "requests that may wait for a free replica "
                + "of a model; more are refused with 429")
        int max_queue_per_model() default 64;

        @AttributeDefinition(name = "queue.timeout.ms", description = "how long a request waits for a free replica "
                + "before a 503")
        long queue_timeout_ms() default 30_000;

        @AttributeDefinition(name = "upstream.timeout.ms", description = "how long a replica may take to start "
                + "answering (a long prompt is read before the first token)")
        long upstream_timeout_ms() default 300_000;

        @AttributeDefinition(name = "set.aside.ms", description = "how long a replica that failed is passed over "
                + "while others remain")
        long set_aside_ms() default 10_000;

        @AttributeDefinition(name = "discovery.interval.ms", description = "how often the serving jobs are asked "
                + "what they serve")
        long discovery_interval_ms() default 5_000;

        @AttributeDefinition(name = "max.body.bytes", description = "the largest request body accepted")
        long max_body_bytes() default 1L << 20;
    }

    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private transient volatile io.orchion.api.metrics.Metrics metrics;
    /** The queue's timeouts: never held up by discovery, whose calls may take their whole timeout. */
    private final transient ScheduledExecutorService timer;
    /** Asks the serving jobs what they serve. */
    private final transient ScheduledExecutorService discovery;
    private final transient ExecutorService io;
    private final transient ServingJobs serving;
    private final transient Gateway gateway;

    @Activate
    public GatewayComponent(@Reference JobService jobs, Config config) {
        check(config);
        AtomicInteger n = new AtomicInteger();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "orchion-gateway-timer"));
        this.discovery = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "orchion-gateway-discovery"));
        this.io = Executors.newCachedThreadPool(r -> daemon(r, "orchion-gateway-" + n.incrementAndGet()));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(io)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.serving = new ServingJobs(jobs::jobs, http, Duration.ofSeconds(2));
        Balancer balancer = new Balancer(config.max_inflight_per_replica(), config.max_queue_per_model(),
                Duration.ofMillis(config.queue_timeout_ms()), timer, (model, inFlight, waiting) -> {
                    io.orchion.api.metrics.Metrics m = metrics;
                    if (m != null) {
                        m.modelLoad(model, inFlight, waiting);
                    }
                });
        this.gateway = new Gateway(serving::picture, balancer, http, new Gateway.Settings(config.max_body_bytes(),
                Duration.ofMillis(config.upstream_timeout_ms()), Duration.ofMillis(config.set_aside_ms())),
                () -> metrics);
        discovery.scheduleWithFixedDelay(this::refresh, 0, config.discovery_interval_ms(), TimeUnit.MILLISECONDS);
    }

    /** Refuses a configuration that cannot work, naming the key and the value. */
    static void check(Config c) {
        if (c.max_inflight_per_replica() < 1) {
            throw new IllegalArgumentException(PID + " max.inflight.per.replica: " + c.max_inflight_per_replica()
                    + " is under 1");
        }
        if (c.max_queue_per_model() < 0) {
            throw new IllegalArgumentException(PID + " max.queue.per.model: " + c.max_queue_per_model() + " is negative");
        }
        for (long[] v : new long[][] { { c.queue_timeout_ms(), 1 }, { c.upstream_timeout_ms(), 1000 },
                { c.set_aside_ms(), 0 }, { c.discovery_interval_ms(), 100 }, { c.max_body_bytes(), 1024 } }) {
            if (v[0] < v[1]) {
                throw new IllegalArgumentException(PID + ": a value of " + v[0] + " is under its least, " + v[1]
                        + " (queue.timeout.ms 1, upstream.timeout.ms 1000, set.aside.ms 0, discovery.interval.ms 100, "
                        + "max.body.bytes 1024)");
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void refresh() {
        try {
            serving.refresh();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(GatewayComponent.class).warn("cannot refresh the served models: {}", e.toString());
        }
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        discovery.shutdownNow();
        io.shutdownNow();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        gateway.serve(req, resp);
    }

}
