package io.orchion.api.security;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/**
 * PEM text for keys and certificates, and owner-only files replaced atomically: what both the
 * orchestrator's CA and a node agent keep on disk (the agent without any security library).
 */
public final class Pem {
    private Pem() {
    }

    /** {@code -----BEGIN TYPE-----}, Base64 in 64-column lines, {@code -----END TYPE-----}. */
    public static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /**
     * The first block of {@code type} in {@code text}.
     *
     * @throws IllegalArgumentException when there is none
     */
    public static byte[] decode(String text, String type) {
        String begin = "-----BEGIN " + type + "-----";
        int a = text.indexOf(begin);
        int b = text.indexOf("-----END " + type + "-----");
        if (a < 0 || b < a) {
            throw new IllegalArgumentException("no " + type + " block");
        }
        return Base64.getMimeDecoder().decode(text.substring(a + begin.length(), b));
    }

    /** Writes a file only its owner can read: aside, synced, then renamed over the old one. */
    public static void writeOwnerOnly(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the folder's own ACLs apply
            }
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        replace(tmp, file);
    }

    /** Renames {@code from} over {@code to} atomically where the file system can, then syncs the folder. */
    public static void replace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(to.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot sync a folder; the rename is still atomic
        }
    }
}
