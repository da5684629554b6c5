package io.orchion.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Cold start to ready per profile (process start until the launcher's "ready" line), the agent's
 * own "registered N ms after launch", and idle resident memory after ten quiet seconds.
 */
final class StartupBench {
    static final int RUNS = 3;
    static final Pattern REGISTERED = Pattern.compile("\\((\\d+) ms after launch\\)");

    static List<String> run(Path work) throws Exception {
        List<String> out = new ArrayList<>();
        out.add("| profile | start to ready (median of " + RUNS + ") | agent registered after launch | idle RSS after 10 s |");
        out.add("| --- | --- | --- | --- |");
        int grpc = Proc.freePort();
        try (Proc orch = new Proc(work.resolve("st-orchestrator-for-agents"), "orchestrator", List.of("--bind",
                "127.0.0.1", "--grpc-port", String.valueOf(grpc), "--http-port", String.valueOf(Proc.freePort())))) {
            if (orch.awaitMillis("orchion: ready", 60_000) < 0) {
                throw new IllegalStateException("orchestrator did not start; see " + orch.log);
            }
            // "agent, joined": the same data folders started again, with their node certificates (no join)
            for (String row : List.of("agent", "agent, joined", "orchestrator", "up")) {
                String profile = row.startsWith("agent") ? "agent" : row;
                boolean rejoin = row.equals("agent, joined");
                List<Long> ready = new ArrayList<>();
                List<Long> registered = new ArrayList<>();
                List<Long> rss = new ArrayList<>();
                for (int run = 0; run < RUNS; run++) {
                    Path dir = work.resolve("st-" + profile + "-" + run);
                    List<String> args = rejoin ? List.of("--orchestrator", "127.0.0.1:" + grpc, "--name", "bench-" + run)
                            : profile.equals("agent")
                            ? List.of("--orchestrator", "127.0.0.1:" + grpc, "--name", "bench-" + run, "--token",
                                    orch.joinToken())
                            : List.of("--bind", "127.0.0.1", "--grpc-port", String.valueOf(Proc.freePort()),
                                    "--http-port", String.valueOf(Proc.freePort()));
                    try (Proc p = new Proc(dir, profile, args)) {
                        long ms = p.awaitMillis("orchion: ready", 60_000);
                        ready.add(ms);
                        registered.add(p.reported(REGISTERED));
                        Thread.sleep(10_000);
                        rss.add(p.rssKib());
                    }
                }
                out.add(String.format(Locale.ROOT, "| %s | %d ms | %s | %.1f MiB |", row, median(ready),
                        profile.equals("orchestrator") ? "-" : median(registered) + " ms", median(rss) / 1024.0));
                System.err.println("  " + row + ": ready " + ready + " ms, registered " + registered + " ms, RSS "
                        + rss + " KiB");
            }
        }
        return out;
    }

    static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
