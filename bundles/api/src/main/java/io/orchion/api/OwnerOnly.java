package io.orchion.api;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Folders and files only the instance's owner may read: what the data folder holds (the store with
 * every job's env, run records, logs, keys, the audit log). One place for the modes; where the
 * file system has no POSIX permissions these do nothing and the folder's own ACLs apply.
 */
public final class OwnerOnly {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private OwnerOnly() {
    }

    /** Attributes that create a folder {@code 0700}. */
    public static FileAttribute<?>[] folder() {
        return POSIX ? new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")) }
                : new FileAttribute<?>[0];
    }

    /** Attributes that create a file {@code 0600}. */
    public static FileAttribute<?>[] file() {
        return POSIX ? new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")) }
                : new FileAttribute<?>[0];
    }

    /** Creates the folder (and its parents) where missing and makes it {@code 0700}, also when it was there. */
    public static Path folder(Path dir) throws IOException {
        Files.createDirectories(dir, folder());
        if (POSIX) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        return dir;
    }
}
