package io.orchion.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.api.security.CertificateAuthority;

/**
 * The node's key and certificate chain as a value: its node id and when a renewal is due.
 * Certificates are made with the JDK's keytool ({@link KeytoolPki}) with the validity asked for.
 */
class CredentialsTest {
    @TempDir
    Path dir;

    @Test
    void aRenewalIsDueWhenAThirdOfTheValidityIsLeftOrTheConfiguredMargin() throws Exception {
        // given a certificate valid for 3 days from 2 days ago: 1 day left, less than a third
        KeytoolPki pki = new KeytoolPki(dir);
        X509Certificate cert = pki.selfSigned("n1", "-2d", 3);
        Credentials c = new Credentials(pki.key("n1"), List.of(cert, cert));
        Instant now = Instant.now();

        // then it is for node n1, and due by the default third
        assertEquals("n1", c.nodeId());
        assertTrue(c.renewalDue(now, null));
        // and by a configured margin
        assertFalse(c.renewalDue(now, Duration.ofHours(12)), "12 hours' margin: one day left is enough");
        assertTrue(c.renewalDue(now, Duration.ofDays(2)));
        assertFalse(c.renewalDue(now.minus(Duration.ofDays(1)), null), "a day earlier two of three days were left");
    }

    @Test
    void theNodeIdIsTheCertificatesCommonNameParsedAsADistinguishedName() throws Exception {
        X509Certificate c = new KeytoolPki(dir).selfSigned("n-1.a_b:c", "-1d", 30); // CN=n-1.a_b:c,O=orchion-node
        assertEquals("n-1.a_b:c", CertificateAuthority.commonName(c));
    }

    @Test
    void aChainWithoutItsCaIsRefusedSayingWhatIsMissing() throws Exception {
        KeytoolPki pki = new KeytoolPki(dir);
        X509Certificate cert = pki.selfSigned("n1", "-1d", 30);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Credentials(pki.key("n1"), List.of(cert)));
        assertTrue(e.getMessage().contains("the node certificate and the CA"), e.getMessage());
    }
}
