package io.orchion.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One Orchion process of the built distribution, with its output in a file. */
final class Proc implements AutoCloseable {
    static final Path DIST = Path.of(System.getProperty("orchion.dist", "distro/target/orchion")).toAbsolutePath().normalize();

    final Process process;
    final Path log;
    final Path data;
    final long startedNanos;

    Proc(Path dir, String profile, List<String> args) throws IOException {
        Files.createDirectories(dir);
        log = dir.resolve("output.log");
        data = dir.resolve("data");
        List<String> cmd = new ArrayList<>(List.of(DIST.resolve("bin/orchion").toString(), profile, "--data",
                dir.resolve("data").toString(), "--conf", dir.resolve("conf").toString(), "--bundles",
                dir.resolve("bundles").toString()));
        cmd.addAll(args);
        startedNanos = System.nanoTime();
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The admin token the instance printed at its first start. */
    String adminToken() throws IOException {
        Matcher m = Pattern.compile("oat1\\.[0-9a-f]{10}\\.[A-Za-z0-9_-]{43}").matcher(Files.readString(log));
        if (!m.find()) {
            throw new IllegalStateException("no admin token in " + log);
        }
        return m.group();
    }

    /** A one-use join token made through the instance's shell. */
    String joinToken() throws Exception {
        Process p = new ProcessBuilder(DIST.resolve("bin/orchion").toString(), "shell", "--data", data.toString(),
                "orchion:jointoken create").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        Matcher m = Pattern.compile("ojt1\\.[A-Za-z0-9_.-]+").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no join token: " + out);
        }
        return m.group();
    }

    /** gRPC to this orchestrator over TLS (trusting its CA) with the admin token. */
    io.grpc.ManagedChannel channel(int port) throws IOException {
        io.grpc.Metadata h = new io.grpc.Metadata();
        h.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + adminToken());
        return io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", port,
                io.grpc.TlsChannelCredentials.newBuilder().trustManager(data.resolve("security/ca.crt").toFile()).build())
                .overrideAuthority("orchestrator.orchion")
                .intercept(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(h)).build();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Milliseconds from process start until the output contains the text; -1 on timeout. */
    long awaitMillis(String text, long timeoutMs) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < end) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
            }
            Thread.sleep(5);
        }
        return -1;
    }

    /** A number the output reports, e.g. the agent's "(1234 ms after launch)". */
    long reported(Pattern p) throws IOException {
        Matcher m = p.matcher(Files.readString(log));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Resident memory of the JVM (bin/orchion execs java, so the pid is the JVM's). */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
