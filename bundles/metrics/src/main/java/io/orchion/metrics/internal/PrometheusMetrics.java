package io.orchion.metrics.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobService;
import io.orchion.api.job.JobState;
import io.orchion.api.metrics.Metrics;
import io.orchion.api.node.Node;
import io.orchion.api.node.NodeRegistry;
import io.orchion.api.node.NodeStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /metrics} in the Prometheus text format, through the Prometheus Java client. Counts
 * that happen elsewhere (heartbeats, placements, requests, log bytes) arrive through the
 * {@link Metrics} service; node and job counts are computed at scrape time from the registry and
 * the job service; JVM memory, threads and GC come from the client's JVM instrumentation.
 */
@Component(service = { Metrics.class, Servlet.class })
@HttpWhiteboardServletPattern("/metrics")
@HttpWhiteboardServletName("orchion-metrics")
public class PrometheusMetrics extends HttpServlet implements Metrics {
    private static final long serialVersionUID = 1L;

    private final transient PrometheusRegistry registry = new PrometheusRegistry();
    private final transient PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final transient Counter heartbeats;
    private final transient Histogram placement;
    private final transient Counter grpc;
    private final transient Counter http;
    private final transient Counter logBytes;
    private final transient Counter modelRequests;
    private final transient Counter modelErrors;
    private final transient Counter modelTokens;
    private final transient Histogram modelFirstByte;
    private final transient Histogram modelDuration;
    private final transient Gauge modelInFlight;
    private final transient Gauge modelWaiting;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile NodeRegistry nodes;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile JobService jobs;

    /** What the node and job gauges count at scrape time: by default the registry's and the job service's. */
    private final transient Supplier<Collection<NodeStatus>> nodeStatuses;
    private final transient Supplier<Collection<JobState>> jobStates;

    public PrometheusMetrics() {
        this(null, null);
    }

    /** For tests: gauges that count the given nodes' statuses and jobs' states. */
    PrometheusMetrics(Supplier<Collection<NodeStatus>> nodeStatuses, Supplier<Collection<JobState>> jobStates) {
        this.nodeStatuses = nodeStatuses != null ? nodeStatuses : this::registryStatuses;
        this.jobStates = jobStates != null ? jobStates : this::serviceStates;
        heartbeats = Counter.builder().name("orchion_heartbeats_total").help("Heartbeats received from agents")
                .register(registry);
        placement = Histogram.builder().name("orchion_placement_latency_seconds").unit(Unit.SECONDS)
                .help("Time from the start of a placement round to a job placed").classicOnly()
                .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                        2.5, 5)
                .register(registry);
        grpc = Counter.builder().name("orchion_grpc_requests_total").help("gRPC calls by method and status code")
                .labelNames("method", "code").register(registry);
        http = Counter.builder().name("orchion_http_requests_total").help("REST requests by method and HTTP status")
                .labelNames("method", "status").register(registry);
        logBytes = Counter.builder().name("orchion_log_bytes_total").help("Job log bytes shipped by agents and stored")
                .register(registry);
        modelRequests = Counter.builder().name("orchion_model_requests_total")
                .help("Calls to served models through the gateway, by model and HTTP status (0: broke off)")
                .labelNames("model", "status").register(registry);
        modelErrors = Counter.builder().name("orchion_model_errors_total")
                .help("Calls to served models that failed (a status of 400 or more, or broken off)").labelNames("model")
                .register(registry);
        modelTokens = Counter.builder().name("orchion_model_tokens_total")
                .help("Tokens of calls to served models, from their usage: direction in (prompt) or out (completion)")
                .labelNames("model", "direction").register(registry);
        modelFirstByte = Histogram.builder().name("orchion_model_time_to_first_byte_seconds").unit(Unit.SECONDS)
                .help("From a call's arrival at the gateway to the first byte of its answer (for a stream, "
                        + "the first token)")
                .classicOnly().classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
                .labelNames("model").register(registry);
        modelDuration = Histogram.builder().name("orchion_model_request_duration_seconds").unit(Unit.SECONDS)
                .help("From a call's arrival at the gateway to the end of its answer").classicOnly()
                .classicUpperBounds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
                .labelNames("model").register(registry);
        modelInFlight = Gauge.builder().name("orchion_model_requests_in_flight")
                .help("Calls to a served model on its replicas now").labelNames("model").register(registry);
        modelWaiting = Gauge.builder().name("orchion_model_queue_length")
                .help("Calls to a served model waiting for a free replica").labelNames("model").register(registry);
        GaugeWithCallback.builder().name("orchion_nodes").help("Nodes by status").labelNames("status")
                .callback(cb -> count(NodeStatus.class, this.nodeStatuses.get()).forEach((st, c) -> cb.call(c, st.name())))
                .register(registry);
        GaugeWithCallback.builder().name("orchion_jobs").help("Jobs by state").labelNames("state")
                .callback(cb -> counts().forEach((s, c) -> cb.call(c, s.name()))).register(registry);
        GaugeWithCallback.builder().name("orchion_queue_depth").help("Jobs waiting for a node (PENDING)")
                .callback(cb -> cb.call(counts().get(JobState.PENDING))).register(registry);
        JvmMetrics.builder().register(registry);
    }

    private Map<JobState, Integer> counts() {
        return count(JobState.class, jobStates.get());
    }

    /** How many of each value, every value present (a gauge at 0 is a series, not a gap). */
    static <E extends Enum<E>> Map<E, Integer> count(Class<E> type, Collection<E> values) {
        Map<E, Integer> n = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            n.put(e, 0);
        }
        for (E e : values) {
            n.merge(e, 1, Integer::sum);
        }
        return n;
    }

    private Collection<NodeStatus> registryStatuses() {
        NodeRegistry r = nodes;
        return r == null ? List.of() : r.nodes().stream().map(Node::status).toList();
    }

    private Collection<JobState> serviceStates() {
        JobService service = jobs;
        return service == null ? List.of() : service.jobs().stream().map(Job::state).toList();
    }

    @Override
    public void heartbeat() {
        heartbeats.inc();
    }

    @Override
    public void placement(long nanos) {
        placement.observe(nanos / 1e9);
    }

    @Override
    public void grpcRequest(String method, String outcome) {
        grpc.labelValues(method, outcome).inc();
    }

    @Override
    public void httpRequest(String method, int status) {
        http.labelValues(method, String.valueOf(status)).inc();
    }

    @Override
    public void logBytes(long bytes) {
        logBytes.inc(bytes);
    }

    @Override
    public void modelCall(String model, int status, long firstByteNanos, long durationNanos, long promptTokens,
            long completionTokens) {
        modelRequests.labelValues(model, String.valueOf(status)).inc();
        if (status == 0 || status >= 400) {
            modelErrors.labelValues(model).inc();
        }
        if (promptTokens > 0) {
            modelTokens.labelValues(model, "in").inc(promptTokens);
        }
        if (completionTokens > 0) {
            modelTokens.labelValues(model, "out").inc(completionTokens);
        }
        if (firstByteNanos >= 0) {
            modelFirstByte.labelValues(model).observe(firstByteNanos / 1e9);
        }
        modelDuration.labelValues(model).observe(durationNanos / 1e9);
    }

    @Override
    public void modelLoad(String model, int inFlight, int waiting) {
        modelInFlight.labelValues(model).set(inFlight);
        modelWaiting.labelValues(model).set(waiting);
    }

    /** Writes every metric in the Prometheus text format. */
    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!"GET".equals(req.getMethod()) && !"HEAD".equals(req.getMethod())) {
            resp.setStatus(405);
            resp.setHeader("Allow", "GET, HEAD");
            resp.setContentType("application/problem+json");
            resp.getWriter().write("{\"type\":\"about:blank\",\"title\":\"Method Not Allowed\",\"status\":405,"
                    + "\"detail\":\"" + req.getMethod() + " is not allowed on /metrics (allowed: GET, HEAD)\"}");
            return;
        }
        resp.setContentType(writer.getContentType());
        try (OutputStream out = resp.getOutputStream()) {
            write(out);
        }
        httpRequest(req.getMethod(), 200);
    }
}
