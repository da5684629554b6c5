package io.orchion.security.internal;

import java.io.IOException;
import java.nio.file.Path;

/** Files only the owner can read, replaced atomically (write aside, sync, rename). */
final class SecureFiles {
    private SecureFiles() {
    }

    /** Creates the folder if needed and makes it owner-only. */
    static Path ownerOnlyDir(Path dir) throws IOException {
        return io.orchion.api.OwnerOnly.folder(dir);
    }

    static void write(Path file, byte[] content) throws IOException {
        io.orchion.api.security.Pem.writeOwnerOnly(file, content);
    }
}
