package io.orchion.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the model gateway adds, measured in one run beside calling the replica directly: the
 * replica is {@link FakeReplica} (it answers at once, so the difference is the gateway's), started
 * by the vLLM runtime as a serve job of an all-in-one instance. Calls alternate between the two
 * paths so that drift in the machine's load falls on both. Then 256 streams are held open through
 * the gateway for 20 s while the orchestrator's memory and threads are sampled.
 */
final class GatewayBench {
    static final int CALLS = 2000;
    static final int STREAMS = 256;
    static final int HOLD_SECONDS = 20;

    static List<String> run(Path work) throws Exception {
        List<String> out = new ArrayList<>();
        Path dir = work.resolve("gateway-up");
        Files.createDirectories(dir.resolve("conf"));
        // the replica: a vllm serve stand-in that runs FakeReplica on the port the runtime chose
        Path fake = dir.resolve("fake-vllm");
        String cp = System.getProperty("java.class.path");
        Files.writeString(fake, "#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in --host) h=$2; shift 2;; --port) p=$2; "
                + "shift 2;; *) shift;; esac; done\nexec java -Xmx256m -Dsun.net.httpserver.nodelay=true -cp '" + cp + "' io.orchion.bench.FakeReplica \"$h\" \"$p\"\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("conf/io.orchion.gateway.cfg"), "max.inflight.per.replica = 512\n"
                + "discovery.interval.ms = 500\n");
        int http = Proc.freePort();
        try (Proc up = new Proc(dir, "up", List.of("--bind", "127.0.0.1", "--grpc-port", String.valueOf(Proc.freePort()),
                "--http-port", String.valueOf(http)))) {
            if (up.awaitMillis("orchion: ready", 120_000) < 0) {
                throw new IllegalStateException("the instance did not start; see " + up.log);
            }
            String token = up.adminToken();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newCachedThreadPool()).build();
            String base = "http://127.0.0.1:" + http;
            HttpResponse<String> job = client.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"bench\", \"runtime\": \"vllm\", \"vllm\": "
                            + "{\"model\": \"bench\", \"command\": [\"" + fake + "\"]}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (job.statusCode() != 201) {
                throw new IllegalStateException("cannot submit the replica's job: " + job.body());
            }
            String id = job.body().replaceAll("(?s).*\"id\":\\s*\"([^\"]+)\".*", "$1");
            String endpoint = null;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < end) {
                String j = client.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + id))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = Pattern.compile("\"endpoint\":\\s*\"([^\"]+)\"").matcher(j);
                String listed = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/models"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
                if (m.find() && listed.contains("\"bench\"")) {
                    endpoint = m.group(1);
                    break;
                }
                Thread.sleep(200);
            }
            if (endpoint == null) {
                throw new IllegalStateException("the replica did not come up; see " + up.log);
            }
            String direct = endpoint.replaceAll("/+$", "");
            String chat = "{\"model\": \"bench\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
            String stream = "{\"model\": \"bench\", \"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
            // warm-up on both paths
            for (int i = 0; i < 300; i++) {
                call(client, direct, null, chat);
                call(client, base, token, chat);
            }
            List<Long> d = new ArrayList<>();
            List<Long> g = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                d.add(call(client, direct, null, chat));
                g.add(call(client, base, token, chat));
            }
            // the floor: a trivial route through the same Jetty, filter and token check
            List<Long> health = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                long t = System.nanoTime();
                HttpResponse<String> h = client.send(HttpRequest.newBuilder(URI.create(base + "/api/health"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
                health.add(System.nanoTime() - t);
                if (h.statusCode() != 200) {
                    throw new IllegalStateException("/api/health answered " + h.statusCode());
                }
            }
            List<Long> ds = new ArrayList<>();
            List<Long> gs = new ArrayList<>();
            for (int i = 0; i < CALLS / 4; i++) {
                ds.add(firstChunk(client, direct, null, stream));
                gs.add(firstChunk(client, base, token, stream));
            }
            out.add("| path | calls | p50 | p99 |");
            out.add("| --- | --- | --- | --- |");
            out.add(row("chat, non-streaming, replica directly", d));
            out.add(row("chat, non-streaming, through the gateway", g));
            out.add(row("GET /api/health on the orchestrator (same Jetty, filter and token check: the floor of a hop)", health));
            out.add(row("chat, streaming, first chunk, replica directly", ds));
            out.add(row("chat, streaming, first chunk, through the gateway", gs));
            out.add("");
            out.add(String.format(Locale.ROOT, "Added by the gateway: p50 %.2f ms, p99 %.2f ms (non-streaming); "
                    + "time to first chunk p50 %.2f ms.", (pct(g, 50) - pct(d, 50)) / 1e6, (pct(g, 99) - pct(d, 99)) / 1e6,
                    (pct(gs, 50) - pct(ds, 50)) / 1e6));
            out.add("");
            // 256 streams held open through the gateway
            long[] before = proc(up);
            List<CompletableFuture<Integer>> held = new ArrayList<>();
            String holding = stream.replace("\"hi\"", "\"hold " + HOLD_SECONDS + "\"");
            for (int i = 0; i < STREAMS; i++) {
                held.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return chunks(client, base, token, holding);
                    } catch (Exception e) {
                        return -1;
                    }
                }));
            }
            long most = 0;
            int mostThreads = 0;
            long stop = System.nanoTime() + TimeUnit.SECONDS.toNanos(HOLD_SECONDS - 2);
            Thread.sleep(2000);
            while (System.nanoTime() < stop) {
                long[] now = proc(up);
                most = Math.max(most, now[0]);
                mostThreads = (int) Math.max(mostThreads, now[1]);
                Thread.sleep(1000);
            }
            int whole = 0;
            for (CompletableFuture<Integer> f : held) {
                if (f.get(60, TimeUnit.SECONDS) == HOLD_SECONDS + 2) {
                    whole++;
                }
            }
            out.add("| streams held through the gateway | whole (every chunk, [DONE]) | orchestrator RSS before | most while held | threads before | most while held |");
            out.add("| --- | --- | --- | --- | --- | --- |");
            out.add(String.format(Locale.ROOT, "| %d for %d s | %d | %.1f MiB | %.1f MiB | %d | %d |", STREAMS, HOLD_SECONDS,
                    whole, before[0] / 1024.0, most / 1024.0, before[1], mostThreads));
        }
        return out;
    }

    /** One non-streaming call; nanoseconds to the whole answer. */
    static long call(HttpClient c, String base, String token, String body) throws Exception {
        long t = System.nanoTime();
        HttpResponse<String> r = c.send(request(base, token, body), HttpResponse.BodyHandlers.ofString());
        long took = System.nanoTime() - t;
        if (r.statusCode() != 200) {
            throw new IllegalStateException(base + " answered " + r.statusCode() + ": " + r.body());
        }
        return took;
    }

    /** One streaming call; nanoseconds to its first chunk (the rest is read and dropped). */
    static long firstChunk(HttpClient c, String base, String token, String body) throws Exception {
        long t = System.nanoTime();
        HttpResponse<InputStream> r = c.send(request(base, token, body), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line = in.readLine();
            long took = System.nanoTime() - t;
            if (line == null || !line.startsWith("data: ")) {
                throw new IllegalStateException("no first chunk from " + base);
            }
            while (in.readLine() != null) {
                // the rest
            }
            return took;
        }
    }

    /** The data lines of one streaming call (a whole held stream has HOLD_SECONDS + 2). */
    static int chunks(HttpClient c, String base, String token, String body) throws Exception {
        HttpResponse<InputStream> r = c.send(request(base, token, body), HttpResponse.BodyHandlers.ofInputStream());
        int n = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null;) {
                if (line.startsWith("data: ")) {
                    n++;
                }
            }
        }
        return n;
    }

    static HttpRequest request(String base, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    /** The orchestrator's RSS (KiB) and thread count. */
    static long[] proc(Proc p) throws Exception {
        long rss = -1;
        long threads = -1;
        for (String line : Files.readAllLines(Path.of("/proc/" + p.process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            } else if (line.startsWith("Threads:")) {
                threads = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return new long[] { rss, threads };
    }

    static long pct(List<Long> v, int p) {
        List<Long> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    static String row(String what, List<Long> v) {
        return String.format(Locale.ROOT, "| %s | %d | %.2f ms | %.2f ms |", what, v.size(), pct(v, 50) / 1e6,
                pct(v, 99) / 1e6);
    }

    private GatewayBench() {
    }
}
