package io.orchion.security.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate authority's own files in {@code DATA/security}: {@code ca.key} and {@code ca.crt},
 * made on the first start and only read afterwards. A damaged or half-present pair stops the start:
 * a new CA would lock out every joined node.
 */
final class CaFiles {
    private static final Logger LOG = LoggerFactory.getLogger(CaFiles.class);

    /** The CA: its certificate, key and the SHA-256 of the certificate that join tokens carry. */
    record Ca(X509Certificate cert, PrivateKey key, String hash) {
    }

    private CaFiles() {
    }

    /** Reads the CA in {@code dir}, or makes one named for {@code host} where there is none. */
    static Ca loadOrCreate(Path dir, String host) throws IOException, GeneralSecurityException {
        Path keyFile = dir.resolve("ca.key");
        Path certFile = dir.resolve("ca.crt");
        X509Certificate cert;
        PrivateKey key;
        if (Files.exists(keyFile) && Files.exists(certFile)) {
            try {
                key = Certs.privateKey(Certs.unpem(Files.readString(keyFile), "PRIVATE KEY"));
                cert = Certs.certificate(Certs.unpem(Files.readString(certFile), "CERTIFICATE"));
            } catch (RuntimeException | GeneralSecurityException e) {
                throw new IOException("the certificate authority in " + dir + " cannot be read (" + e.getMessage()
                        + "); restore it from a backup: a new one would lock out every joined node", e);
            }
        } else if (Files.exists(keyFile) || Files.exists(certFile)) {
            throw new IOException("the certificate authority in " + dir + " is incomplete (one of ca.key, ca.crt is missing); "
                    + "restore it from a backup: a new one would lock out every joined node");
        } else {
            KeyPair kp = Certs.newKeyPair();
            cert = Certs.selfSignedCa(kp, "Orchion CA " + host, Duration.ofDays(365L * 20));
            key = kp.getPrivate();
            SecureFiles.write(keyFile, Certs.pem("PRIVATE KEY", key.getEncoded()).getBytes(StandardCharsets.US_ASCII));
            SecureFiles.write(certFile, Certs.pem(cert).getBytes(StandardCharsets.US_ASCII));
            LOG.info("security: created a certificate authority in {}", dir);
        }
        return new Ca(cert, key, Certs.sha256(cert.getEncoded()));
    }
}
