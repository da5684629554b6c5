package io.orchion.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.orchion.api.job.JobState;
import io.orchion.api.node.NodeStatus;

/** What {@code GET /metrics} says, read back from the Prometheus text the servlet writes. */
class PrometheusMetricsTest {

    static String scrape(PrometheusMetrics m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.write(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The value of the one sample named {@code series} (name and labels exactly as written). */
    static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), "no sample " + series + " in\n" + text);
        double v = Double.parseDouble(m.group(1));
        assertFalse(m.find(), "two samples " + series);
        return v;
    }

    @Test
    void countsArriveAsCountersWithTheirLabels() throws IOException {
        // given a fresh metrics service
        PrometheusMetrics m = new PrometheusMetrics(List::of, List::of);

        // when heartbeats, requests and log bytes are counted
        m.heartbeat();
        m.heartbeat();
        m.grpcRequest("orchion.v1.Jobs/Submit", "OK");
        m.grpcRequest("orchion.v1.Jobs/Submit", "OK");
        m.grpcRequest("orchion.v1.Jobs/Submit", "PERMISSION_DENIED");
        m.httpRequest("GET", 200);
        m.httpRequest("POST", 429);
        m.logBytes(1000);
        m.logBytes(24);

        // then a scrape says each, by its labels
        String t = scrape(m);
        assertEquals(2, value(t, "orchion_heartbeats_total"));
        assertEquals(2, value(t, "orchion_grpc_requests_total{code=\"OK\",method=\"orchion.v1.Jobs/Submit\"}"));
        assertEquals(1, value(t, "orchion_grpc_requests_total{code=\"PERMISSION_DENIED\",method=\"orchion.v1.Jobs/Submit\"}"));
        assertEquals(1, value(t, "orchion_http_requests_total{method=\"GET\",status=\"200\"}"));
        assertEquals(1, value(t, "orchion_http_requests_total{method=\"POST\",status=\"429\"}"));
        assertEquals(1024, value(t, "orchion_log_bytes_total"));
    }

    @Test
    void placementLatencyLandsInTheBucketsOfItsSeconds() throws IOException {
        PrometheusMetrics m = new PrometheusMetrics(List::of, List::of);
        m.placement(300_000); // 0.3 ms
        m.placement(20_000_000); // 20 ms
        String t = scrape(m);
        assertEquals(2, value(t, "orchion_placement_latency_seconds_count"));
        assertEquals(0.0203, value(t, "orchion_placement_latency_seconds_sum"), 1e-9);
        assertEquals(0, value(t, "orchion_placement_latency_seconds_bucket{le=\"2.5E-4\"}"));
        assertEquals(1, value(t, "orchion_placement_latency_seconds_bucket{le=\"5.0E-4\"}"));
        assertEquals(1, value(t, "orchion_placement_latency_seconds_bucket{le=\"0.01\"}"));
        assertEquals(2, value(t, "orchion_placement_latency_seconds_bucket{le=\"0.025\"}"));
    }

    @Test
    void nodesAndJobsAreCountedAtScrapeTimeEveryStateIncluded() throws IOException {
        // given a cluster whose nodes and jobs change between two scrapes
        List<NodeStatus> nodes = new ArrayList<>(List.of(NodeStatus.READY, NodeStatus.READY));
        List<JobState> jobs = new ArrayList<>(List.of(JobState.PENDING, JobState.PENDING, JobState.RUNNING));
        PrometheusMetrics m = new PrometheusMetrics(() -> nodes, () -> jobs);

        // when it is scraped
        String t = scrape(m);

        // then every status and state is a series, the absent ones at 0, and the queue is the pending jobs
        assertEquals(2, value(t, "orchion_nodes{status=\"READY\"}"));
        for (NodeStatus s : NodeStatus.values()) {
            if (s != NodeStatus.READY) {
                assertEquals(0, value(t, "orchion_nodes{status=\"" + s + "\"}"), s.name());
            }
        }
        assertEquals(2, value(t, "orchion_jobs{state=\"PENDING\"}"));
        assertEquals(1, value(t, "orchion_jobs{state=\"RUNNING\"}"));
        assertEquals(0, value(t, "orchion_jobs{state=\"LOST\"}"));
        assertEquals(2, value(t, "orchion_queue_depth"));

        // and a later scrape sees the cluster as it is then
        nodes.set(1, NodeStatus.values()[NodeStatus.values().length - 1]);
        jobs.clear();
        t = scrape(m);
        assertEquals(1, value(t, "orchion_nodes{status=\"READY\"}"));
        assertEquals(0, value(t, "orchion_queue_depth"));
        assertEquals(0, value(t, "orchion_jobs{state=\"PENDING\"}"));
    }

    @Test
    void withoutARegistryOrJobServiceEveryGaugeIsZero() throws IOException {
        // the orchestrator's metrics start before the registry and the job service (optional references)
        String t = scrape(new PrometheusMetrics());
        for (JobState s : JobState.values()) {
            assertEquals(0, value(t, "orchion_jobs{state=\"" + s + "\"}"), s.name());
        }
        assertEquals(0, value(t, "orchion_queue_depth"));
        assertTrue(t.contains("\njvm_memory_used_bytes{"), "the JVM's own metrics are there too");
    }

    @Test
    void countingKeepsEveryValueOfTheEnum() {
        Collection<JobState> none = List.of();
        Map<JobState, Integer> n = PrometheusMetrics.count(JobState.class, none);
        assertEquals(JobState.values().length, n.size());
        assertTrue(n.values().stream().allMatch(c -> c == 0));
    }

    @Test
    void modelCallsAreCountedWithTheirTokensAndTimes() throws IOException {
        // given two calls to a served model, one streamed with usage, one that broke off
        PrometheusMetrics m = new PrometheusMetrics(List::of, List::of);
        m.modelCall("qwen", 200, 40_000_000, 900_000_000, 12, 30);
        m.modelCall("qwen", 0, 50_000_000, 200_000_000, -1, -1);
        m.modelLoad("qwen", 3, 1);

        // then requests, errors, tokens, times and load are there by model
        String t = scrape(m);
        assertEquals(1, value(t, "orchion_model_requests_total{model=\"qwen\",status=\"200\"}"));
        assertEquals(1, value(t, "orchion_model_requests_total{model=\"qwen\",status=\"0\"}"));
        assertEquals(1, value(t, "orchion_model_errors_total{model=\"qwen\"}"));
        assertEquals(12, value(t, "orchion_model_tokens_total{direction=\"in\",model=\"qwen\"}"));
        assertEquals(30, value(t, "orchion_model_tokens_total{direction=\"out\",model=\"qwen\"}"));
        assertEquals(2, value(t, "orchion_model_time_to_first_byte_seconds_count{model=\"qwen\"}"));
        assertEquals(0, value(t, "orchion_model_time_to_first_byte_seconds_bucket{model=\"qwen\",le=\"0.025\"}"));
        assertEquals(2, value(t, "orchion_model_time_to_first_byte_seconds_bucket{model=\"qwen\",le=\"0.05\"}"));
        assertEquals(1.1, value(t, "orchion_model_request_duration_seconds_sum{model=\"qwen\"}"), 1e-9);
        assertEquals(3, value(t, "orchion_model_requests_in_flight{model=\"qwen\"}"));
        assertEquals(1, value(t, "orchion_model_queue_length{model=\"qwen\"}"));
    }
}
