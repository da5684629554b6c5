package io.orchion.scheduler.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import io.orchion.api.job.Job;
import io.orchion.api.job.JobSpec;
import io.orchion.api.job.JobState;
import io.orchion.api.job.JobStore;
import io.orchion.api.job.RestartPolicy;
import io.orchion.api.job.RunPhase;
import io.orchion.api.job.RunReport;
import io.orchion.api.scheduler.Placement;
import io.orchion.api.scheduler.ResourceRequest;
import io.orchion.store.internal.BenchStores;

/**
 * Durable state: committed job transitions per second through the scheduler's JobBook on the real
 * MapDB store (each transition its own transaction, as in the orchestrator), beside MapDB's raw
 * put-and-commit rate in the same run; and the store's size after 100,000 finished jobs with the
 * retention rule on and off.
 */
public final class DurabilityBench {
    static final int TRANSITION_JOBS = 600;
    static final int FINISHED = 100_000;
    static final int KEEP = 10_000;

    private DurabilityBench() {
    }

    public static List<String> run(Path work) throws Exception {
        List<String> out = new ArrayList<>();
        // raw: a value the size of a stored job, put and committed
        Path rawDir = Files.createDirectories(work.resolve("raw"));
        byte[] value = new byte[900];
        double raw;
        DB db = DBMaker.fileDB(rawDir.resolve("raw.db").toFile()).transactionEnable().make();
        try {
            var map = db.hashMap("m", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
            for (int i = 0; i < 200; i++) {
                map.put("w" + i, value);
                db.commit();
            }
            int n = TRANSITION_JOBS * 3;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                map.put("k" + i, value);
                db.commit();
            }
            raw = n / ((System.nanoTime() - t0) / 1e9);
        } finally {
            db.close();
        }
        // through the JobBook: submitted, running, succeeded; each stored before it is visible
        JobStore store = BenchStores.open(Files.createDirectories(work.resolve("transitions")));
        double transitions;
        try {
            JobBook book = new JobBook(store, InstantSource.system());
            JobSpec spec = new JobSpec("bench", "process", Map.of("command", List.of("true")),
                    new ResourceRequest(0.1, 1 << 20, 0, 0), List.of(), 100, RestartPolicy.NONE, null, Map.of());
            long t0 = System.nanoTime();
            int count = 0;
            for (int i = 0; i < TRANSITION_JOBS; i++) {
                Job j = book.submit(spec);
                Job placed = book.placedAll(List.of(new PlacementRound.Decision(j.id(), new Placement("n1", List.of()))),
                        id -> id, "bench").get(0);
                book.report("n1", "n1", new RunReport(j.id(), placed.runId(), RunPhase.RUNNING, 0, ""));
                book.report("n1", "n1", new RunReport(j.id(), placed.runId(), RunPhase.EXITED, 0, "exited"));
                count += 4;
            }
            transitions = count / ((System.nanoTime() - t0) / 1e9);
        } finally {
            BenchStores.close(store);
        }
        out.add("| what (each its own transaction, on disk when it returns) | per second |");
        out.add("| --- | --- |");
        out.add(String.format(Locale.ROOT, "| MapDB raw: put a 900-byte value and commit | %,.0f |", raw));
        out.add(String.format(Locale.ROOT, "| job state transitions through the scheduler (submit, place, run, exit) | %,.0f |",
                transitions));
        out.add("");
        out.add(String.format(Locale.ROOT, "Transitions run at %.0f%% of MapDB's raw commit rate.", 100 * transitions / raw));
        out.add("");
        long with = finishedJobs(work.resolve("retention-on"), true);
        long without = finishedJobs(work.resolve("retention-off"), false);
        out.add("| " + String.format(Locale.ROOT, "%,d", FINISHED) + " finished jobs stored | store file |");
        out.add("| --- | --- |");
        out.add(String.format(Locale.ROOT, "| retention on (keep the newest %,d) | %.1f MiB |", KEEP, with / 1048576.0));
        out.add(String.format(Locale.ROOT, "| retention off | %.1f MiB |", without / 1048576.0));
        return out;
    }

    /** Finished jobs written in rounds of 1,000, the oldest beyond KEEP deleted after each round. */
    static long finishedJobs(Path dir, boolean retention) throws Exception {
        Files.createDirectories(dir);
        JobStore store = BenchStores.open(dir);
        try {
            JobSpec spec = new JobSpec("done", "process", Map.of("command", List.of("sh", "-c", "echo hello")),
                    new ResourceRequest(0.5, 256L << 20, 0, 0), List.of(), 100, RestartPolicy.NONE, null, Map.of());
            Deque<String> kept = new ArrayDeque<>();
            Instant t = Instant.parse("2026-11-29T00:00:00Z");
            for (int round = 0; round < FINISHED / 1000; round++) {
                List<Job> batch = new ArrayList<>(1000);
                for (int i = 0; i < 1000; i++) {
                    String id = "done-" + round + "-" + i;
                    Job j = new Job(id, spec, JobState.PENDING, "", List.of(), "", 0, null, "", t, List.of())
                            .to(JobState.PENDING, "submitted", t).placed("n1", List.of(), id + "-r1")
                            .to(JobState.SCHEDULED, "placed on n1 by bench", t).to(JobState.RUNNING, "running on n1", t)
                            .exited(0).to(JobState.SUCCEEDED, "exit code 0", t);
                    batch.add(j);
                    kept.addLast(id);
                }
                store.saveAll(batch);
                if (retention && kept.size() > KEEP) {
                    List<String> gone = new ArrayList<>();
                    while (kept.size() > KEEP) {
                        gone.add(kept.removeFirst());
                    }
                    store.deleteJobs(gone);
                }
            }
        } finally {
            BenchStores.close(store);
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("orchion.db")).mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }
}
