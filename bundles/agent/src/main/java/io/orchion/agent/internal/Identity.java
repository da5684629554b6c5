package io.orchion.agent.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

import io.orchion.api.Validation;

/**
 * The agent's stable identity: made once, kept in its data folder ({@code agent/node-id}), the same
 * across restarts. An unreadable file is refused rather than replaced, since a new identity would
 * make a second node.
 */
final class Identity {
    static final String FILE = "node-id";

    private Identity() {
    }

    static String loadOrCreate(Path agentDir) throws IOException {
        Path file = agentDir.resolve(FILE);
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!Validation.isNodeId(id)) {
                throw new IOException(file + " does not hold a valid node id ('" + abbreviate(id)
                        + "'); fix it or remove it to join as a new node");
            }
            return id;
        }
        Files.createDirectories(agentDir);
        String id = UUID.randomUUID().toString();
        Path tmp = Files.createTempFile(agentDir, FILE, ".tmp");
        Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file);
        }
        return id;
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
