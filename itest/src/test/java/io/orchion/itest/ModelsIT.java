package io.orchion.itest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

/**
 * The node's model cache in the real distribution: an operator fills it from the shell with a file
 * served over HTTP by this test on loopback, sees it listed, and a file with the wrong checksum is
 * refused and removed.
 */
class ModelsIT {
    @TempDir
    Path root;

    @Test
    void anOperatorFillsTheNodesModelCacheFromTheShell() throws Exception {
        // given a model file on an HTTP server (two names for the same bytes)
        byte[] model = new byte[2 * 1024 * 1024 + 5];
        new Random(7).nextBytes(model);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", x -> {
            try (x; OutputStream out = x.getResponseBody()) {
                x.sendResponseHeaders(200, model.length);
                out.write(model);
            }
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        try (Instance up = Instance.up(root, "models").start()) {
            // when an operator fetches it with its checksum
            Instance.Shell fetched = up.shell("orchion:models fetch " + base + "/tiny.gguf " + sha);

            // then it is in the node's cache, whole
            assertEquals(0, fetched.status(), fetched.err());
            Matcher m = Pattern.compile("Model " + Pattern.quote(base + "/tiny.gguf") + " is at (\\S+)").matcher(fetched.out());
            assertTrue(m.find(), fetched.out());
            Path file = Path.of(m.group(1));
            assertTrue(file.startsWith(up.data.resolve("models")), file.toString());
            assertArrayEquals(model, Files.readAllBytes(file));
            Instance.Shell list = up.shell("orchion:models");
            assertEquals(0, list.status(), list.err());
            assertTrue(list.out().contains(base + "/tiny.gguf") && list.out().contains(sha.substring(0, 12)), list.out());

            // and a file that is not what its checksum says is refused and removed
            String wrong = "0".repeat(64);
            Instance.Shell bad = up.shell("orchion:models fetch " + base + "/other.gguf " + wrong);
            assertNotEquals(0, bad.status(), bad.out());
            assertTrue(bad.err().contains("has SHA-256 " + sha + ", not the " + wrong + " given; the downloaded file was removed"),
                    bad.err());
            try (Stream<Path> all = Files.walk(up.data.resolve("models"))) {
                List<String> names = all.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
                assertEquals(List.of("model.properties", "tiny.gguf"), names);
            }

            // and a source that is none of the four forms is named
            Instance.Shell wrongForm = up.shell("orchion:models fetch models/x.gguf");
            assertNotEquals(0, wrongForm.status());
            assertTrue(wrongForm.err().contains("source: 'models/x.gguf' is not an absolute path, an http(s) URL, "
                    + "hf:OWNER/REPO/FILE or ollama:TAG"), wrongForm.err());

            // and each fetch is in the audit log, the refused one with its outcome
            Instance.Shell audit = up.shell("orchion:audit --action model.fetch");
            assertTrue(audit.out().contains(base + "/tiny.gguf") && audit.out().contains(base + "/other.gguf"), audit.out());
        } finally {
            server.stop(0);
        }
    }
}
