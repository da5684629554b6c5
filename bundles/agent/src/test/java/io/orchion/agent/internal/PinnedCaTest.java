package io.orchion.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The joining agent's trust in the orchestrator, with CAs and certificates made by the JDK's
 * keytool ({@link KeytoolPki}): only the pinned CA's server certificate for the orchestrator passes.
 */
class PinnedCaTest {
    @TempDir
    Path dir;

    @Test
    void aJoiningAgentTrustsOnlyAnOrchestratorCertificateOfThePinnedCa() throws Exception {
        // given the orchestrator's CA, another CA, and certificates they signed
        KeytoolPki pki = new KeytoolPki(dir);
        X509Certificate ca = pki.ca("ca");
        X509Certificate other = pki.ca("other");
        X509Certificate server = pki.signed("server", "ca", "san=dns:orchestrator.orchion,dns:localhost", "eku=serverAuth");
        X509Certificate unnamed = pki.signed("unnamed", "ca", "san=dns:somewhere.else", "eku=serverAuth");
        X509Certificate clientOnly = pki.signed("client", "ca", "san=dns:orchestrator.orchion", "eku=clientAuth");
        X509Certificate foreign = pki.signed("foreign", "other", "san=dns:orchestrator.orchion", "eku=serverAuth");
        PinnedCa pinned = new PinnedCa(PinnedCa.hash(ca));
        String auth = "ECDHE_ECDSA";

        // then the orchestrator's own server certificate passes
        pinned.checkServerTrusted(new X509Certificate[] { server, ca }, auth);
        assertNull(pinned.mismatch());

        // and a server without the pinned CA is refused for its hash
        PinnedCa pinnedOther = new PinnedCa(PinnedCa.hash(other));
        CertificateException e = assertThrows(CertificateException.class,
                () -> pinnedOther.checkServerTrusted(new X509Certificate[] { server, ca }, auth));
        assertTrue(e.getMessage().contains("CA hash differs"), e.getMessage());
        assertEquals(e.getMessage(), pinnedOther.mismatch(), "the reason is kept for the join's error");
        // a certificate another CA signed, sent beside the pinned CA, fails the PKIX check
        e = assertThrows(CertificateException.class,
                () -> pinned.checkServerTrusted(new X509Certificate[] { foreign, ca }, auth));
        assertTrue(e.getMessage().contains("not signed by the orchestrator's CA"), e.getMessage());
        // a certificate for client authentication only is not a server's
        e = assertThrows(CertificateException.class,
                () -> pinned.checkServerTrusted(new X509Certificate[] { clientOnly, ca }, auth));
        assertTrue(e.getMessage().contains("not signed by the orchestrator's CA"), e.getMessage());
        // and one that does not name the orchestrator is refused for that
        e = assertThrows(CertificateException.class,
                () -> pinned.checkServerTrusted(new X509Certificate[] { unnamed, ca }, auth));
        assertTrue(e.getMessage().contains("no orchestrator.orchion"), e.getMessage());
    }
}
