package io.orchion.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.orchion.proto.v1.GetJobRequest;
import io.orchion.proto.v1.Job;
import io.orchion.proto.v1.JobEvent;
import io.orchion.proto.v1.JobsGrpc;
import io.orchion.proto.v1.LogLine;
import io.orchion.proto.v1.LogLines;
import io.orchion.proto.v1.StreamLogsRequest;
import io.orchion.proto.v1.SubmitJobRequest;

/**
 * Runs on an all-in-one instance: submit-to-RUNNING latency for process jobs, and for Docker jobs
 * beside a plain {@code docker run -d} of the same image in the same run; then log throughput
 * from a job to a live gRPC follower, with the orchestrator's memory as the log grows. Latency
 * comes from the job's own events (the orchestrator's clock at submission and at RUNNING).
 */
final class RunBench {
    static final int PROCESS_JOBS = 200;
    static final int DOCKER_JOBS = 30;
    static final String IMAGE = "orchion-test/busybox:1";

    static List<String> run(Path work) throws Exception {
        List<String> out = new ArrayList<>();
        int grpc = Proc.freePort();
        // the log measurement keeps the whole log: a follower behind the retention bound skips lines
        java.nio.file.Files.createDirectories(work.resolve("runs-up/conf"));
        java.nio.file.Files.writeString(work.resolve("runs-up/conf/io.orchion.logs.cfg"), "max.bytes.per.job = 1073741824\n");
        try (Proc up = new Proc(work.resolve("runs-up"), "up", List.of("--bind", "127.0.0.1", "--grpc-port",
                String.valueOf(grpc), "--http-port", String.valueOf(Proc.freePort())))) {
            if (up.awaitMillis("orchion: ready", 120_000) < 0) {
                throw new IllegalStateException("the instance did not start; see " + up.log);
            }
            ManagedChannel ch = up.channel(grpc);
            try {
                JobsGrpc.JobsBlockingStub jobs = JobsGrpc.newBlockingStub(ch);
                // warm-up: the first jobs pay for class loading on both sides
                for (int i = 0; i < 20; i++) {
                    latency(jobs, "name: warm\nruntime: process\nprocess: { command: ['true'] }\n");
                }
                List<Long> process = new ArrayList<>();
                for (int i = 0; i < PROCESS_JOBS; i++) {
                    process.add(latency(jobs, "name: p\nruntime: process\nprocess: { command: ['true'] }\n"));
                }
                out.add("| jobs | count | p50 | p99 | max |");
                out.add("| --- | --- | --- | --- | --- |");
                out.add(row("process, submit to RUNNING", process));
                System.err.println("  process: " + process);
                boolean docker = docker("version").contains("Server");
                if (docker) {
                    latency(jobs, "name: warm\nruntime: docker\ndocker: { image: " + IMAGE + ", pull: never, command: ['true'] }\n");
                    List<Long> viaOrchion = new ArrayList<>();
                    List<Long> plain = new ArrayList<>();
                    for (int i = 0; i < DOCKER_JOBS; i++) {
                        // alternate, so both see the same machine
                        viaOrchion.add(latency(jobs, "name: d\nruntime: docker\ndocker: { image: " + IMAGE
                                + ", pull: never, command: ['true'] }\n"));
                        long t0 = System.nanoTime();
                        String id = docker("run", "-d", IMAGE, "true").trim();
                        plain.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                        docker("rm", "-f", id);
                    }
                    out.add(row("docker, submit to RUNNING", viaOrchion));
                    out.add(row("plain `docker run -d` (same image, same run)", plain));
                    out.add("");
                    out.add(String.format(Locale.ROOT, "Docker jobs / plain docker run: %.2f at p50, %.2f at p99.",
                            (double) pct(viaOrchion, 50) / Math.max(1, pct(plain, 50)),
                            (double) pct(viaOrchion, 99) / Math.max(1, pct(plain, 99))));
                } else {
                    out.add("");
                    out.add("(no Docker engine: run .ci/docker-up for the Docker rows)");
                }
                out.add("");
                out.addAll(logs(jobs, up));
            } finally {
                ch.shutdownNow();
            }
        }
        return out;
    }

    /** Milliseconds from submission to RUNNING, by the job's own events; waits until it ends. */
    static long latency(JobsGrpc.JobsBlockingStub jobs, String spec) throws InterruptedException {
        Job j = jobs.withDeadlineAfter(10, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build());
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            Job now = jobs.withDeadlineAfter(10, TimeUnit.SECONDS).getJob(GetJobRequest.newBuilder().setJobId(j.getId()).build());
            if (List.of("SUCCEEDED", "FAILED", "CANCELLED", "LOST").contains(now.getState())) {
                for (JobEvent e : now.getEventsList()) {
                    if (e.getState().equals("RUNNING")) {
                        return e.getAtUnixMs() - now.getSubmittedUnixMs();
                    }
                }
                throw new IllegalStateException("job " + j.getId() + " never ran: " + now.getMessage());
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("job " + j.getId() + " did not end in 60 s");
    }

    /** A job writes 1,000,000 lines of 100 bytes; a follower started with it reads them all. */
    static List<String> logs(JobsGrpc.JobsBlockingStub jobs, Proc up) throws Exception {
        int lines = 1_000_000;
        String line = "x".repeat(99);
        Job j = jobs.withDeadlineAfter(10, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder().setSpec(
                "name: chatty\nruntime: process\nprocess: { command: [sh, -c, 'yes " + line + " | head -n " + lines + "'] }\n")
                .build());
        Iterator<LogLines> it = jobs.withDeadlineAfter(600, TimeUnit.SECONDS)
                .streamLogs(StreamLogsRequest.newBuilder().setJobId(j.getId()).setFollow(true).build());
        long count = 0;
        long bytes = 0;
        long first = 0;
        List<String> memory = new ArrayList<>();
        long nextMark = lines / 4;
        Runtime rt = Runtime.getRuntime();
        long skipped = 0;
        while (it.hasNext()) {
            LogLines batch = it.next();
            if (count == 0) {
                first = System.nanoTime();
            }
            skipped += batch.getSkipped();
            for (LogLine l : batch.getLinesList()) {
                count++;
                bytes += l.getText().length() + 1;
            }
            if (count >= nextMark) {
                rt.gc(); // what the follower holds, not what the collector has not yet reclaimed
                memory.add(String.format(Locale.ROOT, "| %,d | %.1f MiB | %.1f MiB |", count, up.rssKib() / 1024.0,
                        (rt.totalMemory() - rt.freeMemory()) / 1048576.0));
                nextMark += lines / 4;
            }
        }
        if (skipped > 0 || count != lines) {
            throw new IllegalStateException("the follower got " + count + " of " + lines + " lines (" + skipped
                    + " skipped)");
        }
        double seconds = (System.nanoTime() - first) / 1e9;
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "Log throughput, job to a live gRPC follower: %,d lines (%.1f MB) in %.2f s = "
                + "**%.1f MB/s** (%,.0f lines/s).", count, bytes / 1e6, seconds, bytes / 1e6 / seconds, count / seconds));
        out.add("");
        out.add("| lines followed | instance RSS (orchestrator + agent) | follower heap in use |");
        out.add("| --- | --- | --- |");
        out.addAll(memory);
        System.err.println("  logs: " + count + " lines, " + bytes + " bytes, " + seconds + " s");
        return out;
    }

    static String docker(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return s;
        } catch (IOException e) {
            return "";
        }
    }

    static long pct(List<Long> values, int p) {
        List<Long> s = values.stream().sorted().toList();
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    static String row(String what, List<Long> v) {
        return String.format(Locale.ROOT, "| %s | %d | %d ms | %d ms | %d ms |", what, v.size(), pct(v, 50), pct(v, 99),
                v.stream().mapToLong(Long::longValue).max().orElse(0));
    }

    private RunBench() {
    }
}
