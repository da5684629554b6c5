package io.orchion.security.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Files only the owner can read, replaced atomically (write aside, sync, rename). */
final class SecureFiles {
    private SecureFiles() {
    }

    /** Creates the folder if needed and makes it owner-only. */
    static Path ownerOnlyDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: the folder's own ACLs apply
        }
        return dir;
    }

    static void write(Path file, byte[] content) throws IOException {
        io.orchion.api.security.Pem.writeOwnerOnly(file, content);
    }
}
