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
            // more jobs keep arriving while the snapshot is taken
            for (int i = 0; i < 20; i++) {
                up.jobs().withDeadlineAfter(10, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder()
                        .setSpec("name: later\nruntime: process\nprocess: { command: ['true'] }\n").build());
            }
            Instance.Shell s = up.shell("orchion:backup " + restored.data);
            assertEquals(0, s.status(), s.err());
            assertTrue(s.out().contains("backup written to " + restored.data), s.out());
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
        }
    }
}
