package io.orchion.agent.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's key and certificate on real files: written owner-only and read back, a renewal put in
 * place, a renewal a crash interrupted, an expired or damaged certificate. Certificates are made
 * with the JDK's keytool; the agent trusts what is in its folder, so self-signed ones serve here
 * (the node certificate, then the same one as "the CA": the agent only needs a chain of two).
 */
class CredentialFilesTest {
    @TempDir
    Path dir;

    /** Credentials for a new self-signed certificate under {@code alias}. */
    Credentials credentials(KeytoolPki pki, String alias, String start, int days) throws Exception {
        X509Certificate cert = pki.selfSigned(alias, start, days);
        return new Credentials(pki.key(alias), List.of(cert, cert));
    }

    @Test
    void storedCredentialsAreOwnerOnlyAndReadBackTheSame() throws Exception {
        // given a folder the agent has not joined from yet
        CredentialFiles files = new CredentialFiles(dir.resolve("agent"));
        assertFalse(files.present());

        // when a pair is stored
        Credentials c = credentials(new KeytoolPki(dir), "n1", "-1d", 30);
        files.store(c);

        // then both files are there, only the owner may read them, and nothing half-written is left
        assertTrue(files.present());
        for (String name : List.of(CredentialFiles.KEY, CredentialFiles.CERTIFICATES)) {
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir.resolve("agent").resolve(name))), name);
        }
        try (var listing = Files.list(dir.resolve("agent"))) {
            assertEquals(List.of(CredentialFiles.CERTIFICATES, CredentialFiles.KEY),
                    listing.map(p -> p.getFileName().toString()).sorted().toList());
        }
        // and they read back as the same key and chain
        Credentials back = files.load();
        assertEquals("n1", back.nodeId());
        assertArrayEquals(c.key().getEncoded(), back.key().getEncoded());
        assertEquals(c.chain(), back.chain());
    }

    @Test
    void aRenewedPairReplacesTheCurrentOne() throws Exception {
        // given a stored pair
        KeytoolPki pki = new KeytoolPki(dir);
        CredentialFiles files = new CredentialFiles(dir.resolve("agent"));
        files.store(credentials(pki, "old", "-1d", 30));

        // when a renewed one replaces it
        Credentials renewed = credentials(pki, "renewed", "-1d", 30);
        files.replace(renewed);

        // then the folder holds the renewed pair alone
        assertEquals("renewed", files.load().nodeId());
        assertArrayEquals(renewed.key().getEncoded(), files.load().key().getEncoded());
        assertFalse(Files.exists(dir.resolve("agent/node.key.next")));
        assertFalse(Files.exists(dir.resolve("agent/node.crt.next")));
    }

    @Test
    void aRenewalThatACrashInterruptedIsFinishedAtTheNextStart() throws Exception {
        // given a stored pair and a renewed pair written beside it
        KeytoolPki pki = new KeytoolPki(dir);
        Path agent = dir.resolve("agent");
        CredentialFiles files = new CredentialFiles(agent);
        files.store(credentials(pki, "old", "-1d", 30));
        Credentials renewed = credentials(pki, "renewed", "-1d", 30);
        new CredentialFiles(agent.resolve("next")).store(renewed);
        Files.move(agent.resolve("next/node.key"), agent.resolve("node.key.next"));
        Files.move(agent.resolve("next/node.crt"), agent.resolve("node.crt.next"));
        // and a crash after the new key was moved, before the certificate was
        Files.move(agent.resolve("node.key.next"), agent.resolve("node.key"), StandardCopyOption.REPLACE_EXISTING);

        // when the agent starts again
        Credentials c = files.load();

        // then the renewal is finished
        assertEquals("renewed", c.nodeId());
        assertFalse(Files.exists(agent.resolve("node.crt.next")));
        assertEquals(renewed.notAfter(), c.notAfter());

        // and a renewal that died before its certificate came leaves the current pair
        Files.copy(agent.resolve("node.key"), agent.resolve("node.key.next"));
        assertEquals("renewed", files.load().nodeId());
        assertFalse(Files.exists(agent.resolve("node.key.next")));
    }

    @Test
    void anExpiredCertificateStopsTheAgentSayingWhatToDo() throws Exception {
        CredentialFiles files = new CredentialFiles(dir.resolve("agent"));
        files.store(credentials(new KeytoolPki(dir), "n1", "-10d", 1));
        Credentials.Refused e = assertThrows(Credentials.Refused.class, files::load);
        assertTrue(e.getMessage().contains("expired") && e.getMessage().contains("new join token"), e.getMessage());
    }

    @Test
    void aDamagedKeyFileIsRefusedNamingTheFolderAndWhatToDo() throws Exception {
        // given a stored pair whose key file was damaged
        CredentialFiles files = new CredentialFiles(dir.resolve("agent"));
        files.store(credentials(new KeytoolPki(dir), "n1", "-1d", 30));
        Files.writeString(dir.resolve("agent/node.key"), "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n");

        // then loading says which folder and how to recover
        IOException e = assertThrows(IOException.class, files::load);
        assertTrue(e.getMessage().contains(dir.resolve("agent").toString()) && e.getMessage().contains("join again"),
                e.getMessage());
    }
}
