package io.orchion.security.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.orchion.api.Orchion;
import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.AuditLog;

/**
 * The audit log: one JSON object per line in {@code DATA/audit/audit.jsonl}, rotated by size
 * ({@code audit.1.jsonl} is the previous file, and so on). Each event is written to the file
 * before the call returns (a crash of the process loses nothing; a power cut may lose what the
 * disk had not flushed).
 */
@Component(service = AuditLog.class, immediate = true, configurationPid = AuditComponent.PID)
@Designate(ocd = AuditComponent.Config.class)
public class AuditComponent implements AuditLog {
    static final String PID = "io.orchion.audit";
    private static final Logger LOG = LoggerFactory.getLogger(AuditComponent.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @ObjectClassDefinition(name = "Orchion audit log")
    public @interface Config {
        @AttributeDefinition(description = "size of one audit file before it is rotated, in bytes")
        long max_file_bytes() default 8L << 20;

        @AttributeDefinition(description = "rotated files kept besides the current one")
        int max_files() default 4;
    }

    /** The line format: epoch milliseconds, so no time module is needed. */
    record Line(long at, String actor, String action, String target, String via, String outcome, String detail) {
        AuditEvent event() {
            return new AuditEvent(Instant.ofEpochMilli(at), actor, action, target, via, outcome, detail);
        }
    }

    private final Path dir;
    private final long maxBytes;
    private final int maxFiles;
    private FileChannel out;

    @Activate
    public AuditComponent(BundleContext context, Config config) throws IOException {
        String data = context.getProperty(Orchion.DATA_DIR);
        this.dir = SecureFiles.ownerOnlyDir(Path.of(data == null ? "data" : data).toAbsolutePath().resolve("audit"));
        this.maxBytes = Math.max(4096, config.max_file_bytes());
        this.maxFiles = Math.max(0, config.max_files());
        this.out = open();
    }

    private FileChannel open() throws IOException {
        // created owner-only, like its folder: the audit log names who did what
        java.util.Set<StandardOpenOption> opts = java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        return FileChannel.open(file(0), opts, io.orchion.api.OwnerOnly.file());
    }

    private Path file(int n) {
        return dir.resolve(n == 0 ? "audit.jsonl" : "audit." + n + ".jsonl");
    }

    @Deactivate
    synchronized void deactivate() throws IOException {
        out.close();
    }

    @Override
    public synchronized void record(AuditEvent e) {
        try {
            byte[] line = (JSON.writeValueAsString(new Line(e.at().toEpochMilli(), clip(e.actor()), clip(e.action()),
                    clip(e.target()), clip(e.via()), clip(e.outcome()), clip(e.detail()))) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            if (out.size() + line.length > maxBytes && out.size() > 0) {
                rotate();
            }
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                out.write(b);
            }
        } catch (IOException ex) {
            LOG.error("audit: cannot write {} by {}: {}", e.action(), e.actor(), ex.getMessage());
        }
    }

    private static String clip(String s) {
        if (s == null) {
            return "";
        }
        return s.length() > 500 ? s.substring(0, 500) + "..." : s;
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(file(maxFiles + 1));
        for (int i = maxFiles; i >= 0; i--) {
            if (Files.exists(file(i))) {
                if (i + 1 > maxFiles) {
                    Files.delete(file(i));
                } else {
                    Files.move(file(i), file(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        out = open();
    }

    /**
     * Newest first. The files are opened under the lock {@link #record} takes, which is all a
     * rotation needs to leave alone: an open file is read to its end even after it is renamed or
     * deleted, so the reading itself (up to 40 MiB at the defaults) does not hold up mutations.
     * Lines appended to the newest file meanwhile may be included; a line caught half-written is
     * skipped like one torn by a crash.
     */
    @Override
    public List<AuditEvent> query(int limit, String actor, String action, Instant since) {
        int max = Math.max(1, Math.min(limit, 10_000));
        List<java.io.InputStream> files = new ArrayList<>();
        synchronized (this) {
            for (int i = 0; i <= maxFiles; i++) {
                try {
                    files.add(Files.newInputStream(file(i)));
                } catch (java.nio.file.NoSuchFileException absent) {
                    // fewer files than the most kept
                } catch (IOException ex) {
                    LOG.warn("audit: cannot read {}: {}", file(i), ex.getMessage());
                }
            }
        }
        List<AuditEvent> found = new ArrayList<>();
        for (java.io.InputStream in : files) {
            if (found.size() >= max) {
                close(in);
                continue;
            }
            Deque<AuditEvent> matches = new ArrayDeque<>();
            try (BufferedReader r = new BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    if (l.isBlank()) {
                        continue;
                    }
                    AuditEvent e;
                    try {
                        e = JSON.readValue(l, Line.class).event();
                    } catch (IOException torn) {
                        continue; // a line cut by a crash
                    }
                    if ((actor == null || e.actor().startsWith(actor)) && (action == null || e.action().startsWith(action))
                            && (since == null || !e.at().isBefore(since))) {
                        matches.addFirst(e);
                        if (matches.size() > max) {
                            matches.removeLast();
                        }
                    }
                }
            } catch (IOException ex) {
                LOG.warn("audit: cannot read a file in {}: {}", dir, ex.getMessage());
            }
            for (AuditEvent e : matches) {
                if (found.size() >= max) {
                    break;
                }
                found.add(e);
            }
        }
        return found;
    }

    private static void close(java.io.InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // read-only
        }
    }
}
