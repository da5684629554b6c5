package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.proto.v1.Job;
import io.orchion.proto.v1.ListJobsRequest;
import io.orchion.proto.v1.SubmitJobRequest;

/** What an orchestrator acknowledged survives a kill -9 at any moment. */
class DurabilityIT {
    static final int CLIENTS = 4;
    static final int MAX_SUBMISSIONS = 1000;

    @TempDir
    Path root;

    @Test
    void everyAcknowledgedSubmissionSurvivesAKill9WhileClientsSubmit() throws Exception {
        try (Instance orch = Instance.orchestrator(root, "orch")) {
            orch.start();
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger sent = new AtomicInteger();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.execute(() -> {
                    var jobs = orch.jobs();
                    while (sent.incrementAndGet() <= MAX_SUBMISSIONS) {
                        try {
                            Job j = jobs.withDeadlineAfter(5, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder()
                                    .setSpec("name: c" + client + "\nruntime: process\nprocess: { command: ['true'] }\n")
                                    .build());
                            acknowledged.add(j.getId());
                        } catch (RuntimeException e) {
                            return; // the orchestrator is gone
                        }
                    }
                });
            }
            // kill it in the middle of the stream of submissions
            Instance.await(java.time.Duration.ofSeconds(60), () -> acknowledged.size() >= 200,
                    () -> "200 acknowledged submissions");
            orch.kill9();
            clients.shutdown();
            assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));
            int acked = acknowledged.size();
            assertTrue(acked >= 200 && acked < MAX_SUBMISSIONS, "killed mid-stream: " + acked);

            orch.start();
            List<Job> stored = orch.jobs().withDeadlineAfter(30, TimeUnit.SECONDS)
                    .listJobs(ListJobsRequest.getDefaultInstance()).getJobsList();
            Map<String, Integer> count = new HashMap<>();
            stored.forEach(j -> count.merge(j.getId(), 1, Integer::sum));
            for (String id : acknowledged) {
                assertEquals(1, count.getOrDefault(id, 0), "acknowledged job " + id + " is there exactly once");
            }
            // nothing half-written: every stored job is whole and pending
            assertFalse(stored.isEmpty(), "jobs were stored");
            assertTrue(stored.stream().allMatch(j -> j.getState().equals("PENDING") && j.getEventsCount() >= 1));
        }
    }
}
