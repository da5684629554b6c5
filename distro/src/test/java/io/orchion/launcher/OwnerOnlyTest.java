package io.orchion.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data folder is its owner's only, whoever made it and however. */
class OwnerOnlyTest {
    @TempDir
    Path tmp;

    static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aNewDataFolderIsMadeOwnerOnly() throws IOException {
        Path data = tmp.resolve("data");
        OwnerOnly.createFolder(data);
        assertEquals("rwx------", perms(data));
    }

    @Test
    void aFolderMadeByAnOlderReleaseIsTightenedThroughout() throws IOException {
        // given a data folder others can read, with a readable file two levels down and a link out of it
        Path data = Files.createDirectories(tmp.resolve("data/store"));
        Files.setPosixFilePermissions(data.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxr-x"));
        Path file = Files.writeString(data.resolve("jobs.db"), "secret");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Path outside = Files.writeString(tmp.resolve("outside"), "not ours");
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createSymbolicLink(data.resolve("link"), outside);

        // when it is tightened
        int changed = OwnerOnly.tighten(tmp.resolve("data"));

        // then the folders and the file are the owner's only, the owner keeps its own rights, and the
        // file the link points to (outside the folder) is left alone
        assertEquals(3, changed);
        assertEquals("rwx------", perms(tmp.resolve("data")));
        assertEquals("rwx------", perms(data));
        assertEquals("rw-------", perms(file));
        assertEquals("rw-r--r--", perms(outside));
        assertEquals(0, OwnerOnly.tighten(tmp.resolve("data")), "a second pass finds nothing to change");
    }

    @Test
    void aMissingFolderIsNothingToTighten() throws IOException {
        assertEquals(0, OwnerOnly.tighten(tmp.resolve("nowhere")));
        assertTrue(Files.notExists(tmp.resolve("nowhere")));
    }
}
