package io.orchion.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code bench/run [heartbeat|strategies|placements|idle|runs|store|gateway|startup|all|api]}: prints Markdown ready for docs/benchmarks.md. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length == 0 ? "all" : args[0];
        Path work = Files.createTempDirectory("orchion-bench");
        List<String> out = new ArrayList<>();
        out.add("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, "
                + (Runtime.getRuntime().maxMemory() >> 20) + " MiB client heap, Java " + System.getProperty("java.version")
                + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        out.add("");
        if (what.equals("heartbeat") || what.equals("all")) {
            System.err.println("heartbeat benchmark ...");
            out.add("### Heartbeats");
            out.add("");
            out.addAll(HeartbeatBench.run(work));
            out.add("");
        }
        if (what.equals("strategies") || what.equals("all")) {
            System.err.println("strategy benchmark ...");
            out.add("### Placement decisions");
            out.add("");
            out.addAll(StrategyBench.run());
            out.add("");
        }
        if (what.equals("placements") || what.equals("all")) {
            System.err.println("placement benchmark (scheduler code, with and without the store) ...");
            out.add("### Placements through the scheduler");
            out.add("");
            out.addAll(io.orchion.scheduler.internal.CommittedPlacementBench.run(work));
            out.add("");
        }
        if (what.equals("idle") || what.equals("all")) {
            System.err.println("idle benchmark (placement loop with 10,000 pending jobs that fit nowhere) ...");
            out.add("### An idle scheduler with 10,000 pending jobs");
            out.add("");
            out.addAll(io.orchion.scheduler.internal.IdlePendingBench.run());
            out.add("");
        }
        if (what.equals("runs") || what.equals("all")) {
            System.err.println("run benchmark (latency to RUNNING, log throughput) ...");
            out.add("### Jobs: submit to RUNNING, and logs");
            out.add("");
            out.addAll(RunBench.run(work));
            out.add("");
        }
        if (what.equals("store") || what.equals("all")) {
            System.err.println("store benchmark (committed transitions, size with retention) ...");
            out.add("### Durable state");
            out.add("");
            out.addAll(io.orchion.scheduler.internal.DurabilityBench.run(work));
            out.add("");
        }
        if (what.equals("api")) { // not in all: needs wrk (Debian package wrk) and takes minutes
            System.err.println("REST API benchmark (wrk) ...");
            out.add("### REST API");
            out.add("");
            out.addAll(ApiBench.run(work));
            out.add("");
        }
        if (what.equals("gateway") || what.equals("all")) {
            System.err.println("gateway benchmark (added latency beside the replica, 256 held streams) ...");
            out.add("### The model gateway");
            out.add("");
            out.addAll(GatewayBench.run(work));
            out.add("");
        }
        if (what.equals("startup") || what.equals("all")) {
            System.err.println("start-up benchmark ...");
            out.add("### Start-up and memory");
            out.add("");
            out.addAll(StartupBench.run(work));
            out.add("");
        }
        String text = String.join("\n", out);
        System.out.println(text);
        Path results = Path.of(System.getProperty("orchion.dist", ".")).resolve("../../../bench/target/results.md").normalize();
        Files.createDirectories(results.getParent());
        Files.writeString(results, text + "\n");
    }
}
