package io.orchion.agent.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.orchion.api.OwnerOnly;
import io.orchion.api.security.Pem;

/**
 * The node's credentials on disk, in {@code DATA/agent}: {@code node.key} (the private key, PKCS#8
 * PEM) and {@code node.crt} (the node certificate, then the CA), both owner-only and each replaced
 * atomically ({@link Pem#writeOwnerOnly}). A renewed pair is written beside the old as
 * {@code node.key.next} and {@code node.crt.next}, then moved into place key first; {@link #load}
 * finishes a move a crash interrupted, so the folder always holds a pair the orchestrator issued.
 */
final class CredentialFiles {
    static final String KEY = "node.key";
    static final String CERTIFICATES = "node.crt";
    static final String NEXT = ".next";

    private final Path dir;

    CredentialFiles(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Whether this node has joined: both files are there. */
    boolean present() {
        return Files.exists(dir.resolve(KEY)) && Files.exists(dir.resolve(CERTIFICATES));
    }

    /**
     * The stored pair, after finishing a renewal a crash interrupted.
     *
     * @throws Credentials.Refused when the certificate has expired: only a new join helps
     * @throws IOException         when the files cannot be read, naming the folder and what to do
     */
    Credentials load() throws IOException {
        finishRenewal();
        Credentials c = read();
        if (c.notAfter().isBefore(Instant.now())) {
            throw new Credentials.Refused("the node certificate in " + dir + " expired at " + c.notAfter()
                    + " (it was not renewed in time); delete " + dir.resolve(CERTIFICATES)
                    + " and start the agent with a new join token");
        }
        return c;
    }

    /** Writes a first pair (joined, or issued in this process). */
    Credentials store(Credentials c) throws IOException {
        write("", c);
        return c;
    }

    /** Puts a renewed pair in place of the current one: written as {@code .next}, then moved. */
    Credentials replace(Credentials renewed) throws IOException {
        write(NEXT, renewed);
        finishRenewal();
        return renewed;
    }

    private Credentials read() throws IOException {
        try {
            PrivateKey k = KeyFactory.getInstance("EC").generatePrivate(
                    new PKCS8EncodedKeySpec(Pem.decode(Files.readString(dir.resolve(KEY)), "PRIVATE KEY")));
            List<X509Certificate> chain = certificates(Files.readString(dir.resolve(CERTIFICATES)));
            if (chain.size() < 2) {
                throw new IOException(CERTIFICATES + " must hold the node certificate and the CA");
            }
            return new Credentials(k, chain);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("the node certificate in " + dir + " cannot be read (" + e.getMessage()
                    + "); join again with a fresh data folder and a new join token", e);
        }
    }

    /** Moves a renewed pair into place: the key, then the certificate that completes it. */
    private void finishRenewal() throws IOException {
        Path crt = dir.resolve(CERTIFICATES + NEXT);
        if (!Files.exists(crt)) {
            Files.deleteIfExists(dir.resolve(KEY + NEXT)); // a renewal that never got its certificate
            return;
        }
        Path key = dir.resolve(KEY + NEXT);
        if (Files.exists(key)) {
            Pem.replace(key, dir.resolve(KEY));
        }
        Pem.replace(crt, dir.resolve(CERTIFICATES));
    }

    /** Writes {@code node.key} and {@code node.crt}, each with {@code suffix}. */
    private void write(String suffix, Credentials c) throws IOException {
        Files.createDirectories(dir, OwnerOnly.folder());
        StringBuilder pem = new StringBuilder();
        try {
            for (X509Certificate cert : c.chain()) {
                pem.append(Pem.encode("CERTIFICATE", cert.getEncoded()));
            }
        } catch (CertificateException e) {
            throw new IOException(e);
        }
        Pem.writeOwnerOnly(dir.resolve(KEY + suffix),
                Pem.encode("PRIVATE KEY", c.key().getEncoded()).getBytes(StandardCharsets.US_ASCII));
        Pem.writeOwnerOnly(dir.resolve(CERTIFICATES + suffix), pem.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (Certificate c : cf.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            out.add((X509Certificate) c);
        }
        return out;
    }
}
