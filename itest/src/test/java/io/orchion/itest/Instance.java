package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.orchion.proto.v1.OrchestratorGrpc;

/**
 * One real Orchion process launched from the built distribution ({@code bin/orchion}), with its
 * own data, conf and bundles folders and free loopback ports. Output goes to {@code output.log} in
 * its folder, which the tests read.
 */
final class Instance implements AutoCloseable {
    static final Path DIST = Path.of(System.getProperty("orchion.dist", "../distro/target/orchion")).toAbsolutePath()
            .normalize();

    final String profile;
    final Path dir;
    final Path data;
    final Path conf;
    final Path bundles;
    final Path log;
    final int grpcPort;
    final int httpPort;
    private final List<String> extra;
    private static final java.net.http.HttpClient REST = java.net.http.HttpClient.newHttpClient();
    private static final Pattern TOKEN = Pattern.compile("oat1\\.[0-9a-f]{10}\\.[A-Za-z0-9_-]{43}");
    private Process process;
    private ManagedChannel channel;
    private Instance joinVia;
    /** Whether {@link #command()} adds --bind 127.0.0.1 and the ports (a test of other addresses clears it). */
    boolean listenDefaults = true;
    private String adminToken;
    /** Words before {@code bin/orchion} (e.g. {@code ip netns exec NS} to run it in a network namespace). */
    List<String> launchPrefix = List.of();
    /** Environment variables for the process, e.g. ORCHION_JAVA_OPTS=-Xmx128m for a small heap. */
    final java.util.Map<String, String> env = new java.util.HashMap<>();

    Instance(Path root, String name, String profile, int grpcPort, List<String> extra) throws IOException {
        this.profile = profile;
        this.dir = Files.createDirectories(root.resolve(name));
        this.data = dir.resolve("data");
        this.conf = Files.createDirectories(dir.resolve("conf"));
        this.bundles = Files.createDirectories(dir.resolve("bundles"));
        this.log = dir.resolve("output.log");
        this.grpcPort = grpcPort;
        this.httpPort = freePort();
        this.extra = extra;
    }

    static Instance orchestrator(Path root, String name, String... extra) throws IOException {
        return new Instance(root, name, "orchestrator", freePort(), List.of(extra));
    }

    static Instance up(Path root, String name, String... extra) throws IOException {
        return new Instance(root, name, "up", freePort(), List.of(extra));
    }

    /** An agent of {@code orchestrator}; on its first start it joins with a join token made there. */
    static Instance agent(Path root, String name, Instance orchestrator, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--orchestrator", "127.0.0.1:" + orchestrator.grpcPort, "--name", name));
        args.addAll(List.of(extra));
        Instance a = new Instance(root, name, "agent", orchestrator.grpcPort, args);
        a.joinVia = orchestrator;
        return a;
    }

    /** Makes a one-use join token on this orchestrator (through its shell). */
    String joinToken() throws Exception {
        Shell sh = shell("orchion:jointoken create --uses 1 --ttl 1h");
        Matcher m = Pattern.compile("ojt1\\.[A-Za-z0-9_.-]+").matcher(sh.out());
        if (sh.status() != 0 || !m.find()) {
            fail("no join token from " + dir.getFileName() + ": " + sh.out() + sh.err());
        }
        return m.group();
    }

    /** The admin token this instance printed at its first start. */
    synchronized String adminToken() {
        if (joinVia != null) {
            return joinVia.adminToken();
        }
        if (adminToken == null) {
            try {
                Matcher m = TOKEN.matcher(output());
                if (!m.find()) {
                    fail("no admin token in the output of " + dir.getFileName() + ":\n" + tail());
                }
                adminToken = m.group();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return adminToken;
    }

    /** An instance started from another's backup has its tokens: use that admin token. */
    synchronized void tokensOf(Instance other) {
        adminToken = other.adminToken();
    }

    /** The Authorization header value with the admin token. */
    String bearer() {
        return "Bearer " + adminToken();
    }

    /** A REST request to this instance with the admin token. */
    java.net.http.HttpRequest.Builder http(String path) {
        return java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort + path))
                .header("Authorization", bearer());
    }

    /** Sends a REST call with the admin token: {@code json} is its body, null for none. */
    java.net.http.HttpResponse<String> send(String method, String path, String json) throws Exception {
        java.net.http.HttpRequest.Builder b = http(path);
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, json == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                : java.net.http.HttpRequest.BodyPublishers.ofString(json));
        return REST.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /** Submits a job (201 expected); its id. */
    String submit(String json) throws Exception {
        java.net.http.HttpResponse<String> r = send("POST", "/api/jobs", json);
        org.junit.jupiter.api.Assertions.assertEquals(201, r.statusCode(), r.body());
        return JobsApiIT.id(r.body());
    }

    /** Waits until {@code GET path} answers a body that contains {@code text}. */
    void awaitBody(String path, String text, String what, Duration timeout) throws InterruptedException {
        String[] last = { "" };
        await(timeout, () -> {
            try {
                last[0] = send("GET", path, null).body();
                return last[0].contains(text);
            } catch (Exception e) {
                return false;
            }
        }, () -> what + "; last: " + last[0] + "\n" + tail());
    }

    /** TLS that trusts this orchestrator's CA (its certificate is in the data folder). */
    ChannelCredentials tls() {
        try {
            Path ca = (joinVia != null ? joinVia.data : data).resolve("security/ca.crt");
            return TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A gRPC channel to this orchestrator over TLS, sending {@code token} (none if null). */
    ManagedChannel channel(String token) {
        NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort, tls())
                .overrideAuthority("orchestrator.orchion");
        if (token != null) {
            Metadata h = new Metadata();
            h.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            b.intercept(MetadataUtils.newAttachHeadersInterceptor(h));
        }
        return b.build();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    List<String> command() {
        List<String> cmd = new ArrayList<>(launchPrefix);
        cmd.addAll(List.of(DIST.resolve("bin/orchion").toString(), profile, "--data",
                data.toString(), "--conf", conf.toString(), "--bundles", bundles.toString()));
        if (!profile.equals("agent") && listenDefaults) {
            cmd.addAll(List.of("--bind", "127.0.0.1", "--grpc-port", String.valueOf(grpcPort), "--http-port",
                    String.valueOf(httpPort)));
        }
        cmd.addAll(extra);
        if (joinVia != null && !Files.exists(data.resolve("agent/node.crt"))) {
            try {
                cmd.addAll(List.of("--token", joinVia.joinToken()));
            } catch (Exception e) {
                throw new IllegalStateException("cannot make a join token: " + e.getMessage(), e);
            }
        }
        return cmd;
    }

    /** Starts the process and waits for its "ready" line. */
    Instance start() throws Exception {
        int readyBefore = count("orchion: ready");
        startNoWait();
        await(Duration.ofSeconds(60), () -> {
            try {
                return count("orchion: ready") > readyBefore;
            } catch (IOException e) {
                return false;
            }
        }, () -> dir.getFileName() + " to be ready:\n" + tail());
        return this;
    }

    Process startNoWait() throws IOException {
        resetChannel();
        ProcessBuilder pb = new ProcessBuilder(command()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        return process;
    }

    Process process() {
        return process;
    }

    /** A restarted instance gets a fresh client channel (the old one is backing off). */
    private void resetChannel() {
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
    }

    /** SIGKILL: no shutdown hook, nothing flushed, as a crash or a pulled plug. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: a graceful stop. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    int count(String text) throws IOException {
        String out = output();
        int n = 0;
        for (int i = out.indexOf(text); i >= 0; i = out.indexOf(text, i + 1)) {
            n++;
        }
        return n;
    }

    void awaitLog(String text, Duration timeout) throws Exception {
        await(timeout, () -> {
            try {
                return output().contains(text);
            } catch (IOException e) {
                return false;
            }
        }, () -> "'" + text + "' in the output of " + dir.getFileName() + ":\n" + tail());
    }

    String tail() {
        try {
            String out = output();
            return out.length() > 4000 ? out.substring(out.length() - 4000) : out;
        } catch (IOException e) {
            return "(no output)";
        }
    }

    OrchestratorGrpc.OrchestratorBlockingStub grpc() {
        return OrchestratorGrpc.newBlockingStub(channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** The client API for jobs (no deadline: callers that stream set their own). */
    io.orchion.proto.v1.JobsGrpc.JobsBlockingStub jobs() {
        return io.orchion.proto.v1.JobsGrpc.newBlockingStub(channel());
    }

    synchronized ManagedChannel channel() {
        if (channel == null) {
            channel = channel(adminToken());
        }
        return channel;
    }

    /** Writes a configuration file into the conf folder atomically (FileInstall never sees half of it). */
    void conf(String pid, String content) throws IOException {
        Path tmp = Files.createTempFile(conf, pid, ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, conf.resolve(pid + ".cfg"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Runs {@code bin/orchion shell --data DIR COMMAND}: its exit status and its output. */
    Shell shell(String command) throws Exception {
        Path out = Files.createTempFile(dir, "shell", ".out");
        Path err = Files.createTempFile(dir, "shell", ".err");
        Process p = new ProcessBuilder(DIST.resolve("bin/orchion").toString(), "shell", "--data", data.toString(), command)
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("shell command '" + command + "' did not finish");
        }
        return new Shell(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    record Shell(int status, String out, String err) {
    }

    static void await(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        fail("timed out after " + timeout.toMillis() + " ms waiting for " + what.get());
    }

    @Override
    public void close() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        stop();
    }
}
