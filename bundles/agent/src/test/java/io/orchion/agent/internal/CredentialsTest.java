package io.orchion.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.orchion.api.security.Pem;

/**
 * The node's stored key and certificate: when a renewal is due, a renewal a crash interrupted, an
 * expired certificate. Certificates are made with the JDK's keytool (a real EC P-256 key and a
 * certificate with the validity asked for); the agent trusts what is in its folder, so
 * self-signed ones serve here.
 */
class CredentialsTest {
    @TempDir
    Path dir;

    /** The private key of the last certificate {@link #keytool} made. */
    PrivateKey[] key = new PrivateKey[1];

    /** A key and a self-signed certificate valid from {@code start} (keytool's -startdate) for {@code days}. */
    X509Certificate keytool(String alias, String start, int days) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-alias", alias,
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + alias + ",O=orchion-node",
                "-startdate", start, "-validity", String.valueOf(days)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        key[0] = (PrivateKey) ks.getKey(alias, "changeit".toCharArray());
        return (X509Certificate) ks.getCertificate(alias);
    }

    void store(Path agent, String suffix, X509Certificate cert) throws Exception {
        Files.createDirectories(agent);
        Pem.writeOwnerOnly(agent.resolve("node.key" + suffix),
                Pem.encode("PRIVATE KEY", key[0].getEncoded()).getBytes(StandardCharsets.US_ASCII));
        // the node certificate, then "the CA" (the same one: the agent only needs a chain of two)
        String pem = Pem.encode("CERTIFICATE", cert.getEncoded());
        Pem.writeOwnerOnly(agent.resolve("node.crt" + suffix), (pem + pem).getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aRenewalIsDueWhenAThirdOfTheValidityIsLeftOrTheConfiguredMargin() throws Exception {
        Path agent = dir.resolve("agent");
        store(agent, "", keytool("n1", "-2d", 3)); // 3 days from 2 days ago: 1 day left, less than a third
        Credentials c = Credentials.load(agent);
        assertEquals("n1", c.nodeId());
        Instant now = Instant.now();
        assertTrue(c.renewalDue(now, null));
        assertFalse(c.renewalDue(now, Duration.ofHours(12)), "12 hours' margin: one day left is enough");
        assertTrue(c.renewalDue(now, Duration.ofDays(2)));
        assertFalse(c.renewalDue(now.minus(Duration.ofDays(1)), null), "a day earlier two of three days were left");
    }

    @Test
    void aRenewalThatACrashInterruptedIsFinishedAtTheNextStart() throws Exception {
        Path agent = dir.resolve("agent");
        X509Certificate old = keytool("old", "-1d", 30);
        store(agent, "", old);
        X509Certificate renewed = keytool("renewed", "-1d", 30);
        store(agent, ".next", renewed);
        // the crash came after the new key was moved, before the certificate was
        Files.move(agent.resolve("node.key.next"), agent.resolve("node.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Credentials c = Credentials.load(agent);
        assertEquals("renewed", c.nodeId());
        assertFalse(Files.exists(agent.resolve("node.crt.next")));
        assertEquals(renewed.getNotAfter().toInstant(), c.notAfter());

        // a renewal that died before its certificate came: the old pair stays
        store(agent, ".next", keytool("other", "-1d", 30));
        Files.delete(agent.resolve("node.crt.next"));
        assertEquals("renewed", Credentials.load(agent).nodeId());
        assertFalse(Files.exists(agent.resolve("node.key.next")));
    }

    @Test
    void anExpiredCertificateStopsTheAgentSayingWhatToDo() throws Exception {
        Path agent = dir.resolve("agent");
        store(agent, "", keytool("n1", "-10d", 1));
        Credentials.Refused e = assertThrows(Credentials.Refused.class, () -> Credentials.load(agent));
        assertTrue(e.getMessage().contains("expired") && e.getMessage().contains("new join token"), e.getMessage());
    }

    /** Runs keytool on one PKCS#12 store in the test folder; its standard output. */
    byte[] keytool(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(java.util.List.of(args));
        cmd.addAll(java.util.List.of("-keystore", dir.resolve("pki.p12").toString(), "-storetype", "PKCS12",
                "-storepass", "changeit"));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, cmd + ": " + err);
        return out;
    }

    /** A P-256 key pair under {@code alias} with a certificate signed by {@code ca}'s key, with {@code ext}s. */
    X509Certificate signed(String alias, String ca, String... ext) throws Exception {
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + alias);
        byte[] request = keytool("-certreq", "-alias", alias);
        Path req = dir.resolve(alias + ".csr");
        Files.write(req, request);
        java.util.List<String> gen = new java.util.ArrayList<>(java.util.List.of("-gencert", "-alias", ca, "-infile",
                req.toString(), "-rfc", "-validity", "30"));
        for (String e : ext) {
            gen.addAll(java.util.List.of("-ext", e));
        }
        byte[] pem = keytool(gen.toArray(String[]::new));
        return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pem));
    }

    X509Certificate selfSignedCa(String alias) throws Exception {
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + alias,
                "-ext", "bc:c", "-validity", "30");
        return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(
                new java.io.ByteArrayInputStream(keytool("-exportcert", "-alias", alias, "-rfc")));
    }

    @Test
    void aJoiningAgentTrustsOnlyAnOrchestratorCertificateOfThePinnedCa() throws Exception {
        // given the orchestrator's CA, another CA, and certificates they signed
        X509Certificate ca = selfSignedCa("ca");
        X509Certificate other = selfSignedCa("other");
        X509Certificate server = signed("server", "ca", "san=dns:orchestrator.orchion,dns:localhost", "eku=serverAuth");
        X509Certificate unnamed = signed("unnamed", "ca", "san=dns:somewhere.else", "eku=serverAuth");
        X509Certificate clientOnly = signed("client", "ca", "san=dns:orchestrator.orchion", "eku=clientAuth");
        X509Certificate foreign = signed("foreign", "other", "san=dns:orchestrator.orchion", "eku=serverAuth");
        Credentials.PinnedCa pinned = new Credentials.PinnedCa(Credentials.hash(ca));
        String auth = "ECDHE_ECDSA";

        // then the orchestrator's own server certificate passes
        pinned.checkServerTrusted(new X509Certificate[] { server, ca }, auth);

        // and a server without the pinned CA is refused for its hash
        java.security.cert.CertificateException e = assertThrows(java.security.cert.CertificateException.class,
                () -> new Credentials.PinnedCa(Credentials.hash(other)).checkServerTrusted(new X509Certificate[] { server, ca }, auth));
        assertTrue(e.getMessage().contains("CA hash differs"), e.getMessage());
        // a certificate another CA signed, sent beside the pinned CA, fails the PKIX check
        e = assertThrows(java.security.cert.CertificateException.class,
                () -> pinned.checkServerTrusted(new X509Certificate[] { foreign, ca }, auth));
        assertTrue(e.getMessage().contains("not signed by the orchestrator's CA"), e.getMessage());
        // a certificate for client authentication only is not a server's
        e = assertThrows(java.security.cert.CertificateException.class,
                () -> pinned.checkServerTrusted(new X509Certificate[] { clientOnly, ca }, auth));
        assertTrue(e.getMessage().contains("not signed by the orchestrator's CA"), e.getMessage());
        // and one that does not name the orchestrator is refused for that
        e = assertThrows(java.security.cert.CertificateException.class,
                () -> pinned.checkServerTrusted(new X509Certificate[] { unnamed, ca }, auth));
        assertTrue(e.getMessage().contains("no orchestrator.orchion"), e.getMessage());
    }

    @Test
    void theNodeIdIsTheCertificatesCommonNameParsedAsADistinguishedName() throws Exception {
        X509Certificate c = keytool("n-1.a_b:c", "-1d", 30); // subject CN=n-1.a_b:c,O=orchion-node
        assertEquals("n-1.a_b:c", io.orchion.api.security.CertificateAuthority.commonName(c));
    }
}
