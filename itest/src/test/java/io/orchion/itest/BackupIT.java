package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.proto.v1.GetJobRequest;
import io.orchion.proto.v1.Job;
import io.orchion.proto.v1.StreamLogsRequest;
import io.orchion.proto.v1.SubmitJobRequest;

/** orchion:backup writes a consistent snapshot while the orchestrator runs; an instance starts from it. */
class BackupIT {
    @TempDir
    Path root;

    @Test
    void aSnapshotTakenWhileRunningStartsAnInstanceWithTheSameJobsAndLogs() throws Exception {
        Job done;
        try (Instance up = Instance.up(root, "live"); Instance restored = Instance.up(root, "restored")) {
            up.start();
            Job j = up.jobs().withDeadlineAfter(10, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder()
                    .setSpec("name: counted\nruntime: process\nprocess: { command: [seq, '1', '500'] }\n").build());
            Instance.await(Duration.ofSeconds(60), () -> up.jobs().withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getJob(GetJobRequest.newBuilder().setJobId(j.getId()).build()).getState().equals("SUCCEEDED"),
                    () -> "the job to succeed");
            // jobs keep arriving while the snapshot is taken: a client submits on its own thread (at most
            // 2,000 jobs or 90 s) and keeps the ids acknowledged to it
            List<String> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread client = new Thread(() -> {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                for (int i = 0; i < 2000 && !stop.get() && System.nanoTime() < end; i++) {
                    acknowledged.add(up.jobs().withDeadlineAfter(10, TimeUnit.SECONDS).submitJob(SubmitJobRequest
                            .newBuilder().setSpec("name: later-" + i + "\nruntime: process\nprocess: { command: ['true'] }\n")
                            .build()).getId());
                }
            }, "submitter");
            client.start();
            Instance.await(Duration.ofSeconds(30), () -> acknowledged.size() >= 10, () -> "submissions to arrive");
            List<String> beforeBackup = List.copyOf(acknowledged);
            Instance.Shell s = up.shell("orchion:backup " + restored.data);
            int afterBackup = acknowledged.size();
            stop.set(true);
            client.join(30_000);
            assertEquals(0, s.status(), s.err());
            assertTrue(s.out().contains("backup written to " + restored.data), s.out());
            assertTrue(afterBackup > beforeBackup.size(), "submissions went on while the backup ran: "
                    + beforeBackup.size() + " then " + afterBackup);
            // a folder that is not empty is refused, naming it
            Instance.Shell again = up.shell("orchion:backup " + restored.data);
            assertEquals(1, again.status());
            assertTrue(again.err().contains(restored.data + " exists and is not an empty folder"), again.err());
            done = up.jobs().withDeadlineAfter(10, TimeUnit.SECONDS).getJob(GetJobRequest.newBuilder().setJobId(j.getId()).build());
            up.stop();

            assertTrue(Files.isRegularFile(restored.data.resolve("BACKUP.txt")));
            restored.tokensOf(up); // the backup carries the tokens: no new admin token is printed
            restored.start();
            assertEquals(0, restored.count("first start: an admin API token"), "the restored instance keeps its tokens");
            assertTrue(Files.exists(restored.data.resolve("security/ca.key")), "the backup carries the CA");
            Job back = restored.jobs().withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getJob(GetJobRequest.newBuilder().setJobId(j.getId()).build());
            assertEquals("SUCCEEDED", back.getState());
            assertEquals(done.getEventsList(), back.getEventsList(), "the same history");
            List<String> lines = new ArrayList<>();
            restored.jobs().withDeadlineAfter(30, TimeUnit.SECONDS)
                    .streamLogs(StreamLogsRequest.newBuilder().setJobId(j.getId()).build())
                    .forEachRemaining(b -> b.getLinesList().forEach(l -> lines.add(l.getText())));
            assertEquals(500, lines.size());
            assertEquals("500", lines.get(499));
            // every job acknowledged before the backup began is in the restored instance
            java.util.Set<String> restoredIds = new java.util.HashSet<>();
            restored.jobs().withDeadlineAfter(30, TimeUnit.SECONDS).listJobs(io.orchion.proto.v1.ListJobsRequest
                    .getDefaultInstance()).getJobsList().forEach(x -> restoredIds.add(x.getId()));
            assertTrue(beforeBackup.size() >= 10);
            for (String id : beforeBackup) {
                assertTrue(restoredIds.contains(id), "job " + id + ", acknowledged before the backup began, was restored");
            }
        }
    }
}
