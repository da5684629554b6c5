package io.orchion.agent.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Keys and certificates for the agent's tests, made by the JDK's own keytool in one PKCS#12 store
 * in a test folder: real EC P-256 keys, CAs, certificates they sign with the extensions asked for,
 * and self-signed ones with the validity asked for. No security library, as on the agent.
 */
final class KeytoolPki {
    private static final String PASSWORD = "changeit";
    private final Path dir;
    private final Path store;

    KeytoolPki(Path dir) {
        this.dir = dir;
        this.store = dir.resolve("pki.p12");
    }

    /** A CA: a key pair under {@code alias} with a self-signed certificate that may sign others. */
    X509Certificate ca(String alias) throws Exception {
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + alias,
                "-ext", "bc:c", "-validity", "30");
        return certificate(keytool("-exportcert", "-alias", alias, "-rfc"));
    }

    /**
     * A key pair under {@code alias} (subject {@code CN=alias,O=orchion-node}) with a self-signed
     * certificate valid from {@code start} (keytool's -startdate, e.g. {@code -2d}) for {@code days}.
     */
    X509Certificate selfSigned(String alias, String start, int days) throws Exception {
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=" + alias + ",O=orchion-node", "-startdate", start, "-validity", String.valueOf(days));
        return certificate(keytool("-exportcert", "-alias", alias, "-rfc"));
    }

    /** A key pair under {@code alias} (subject {@code CN=alias}) certified by {@code ca}, with {@code ext}s. */
    X509Certificate signed(String alias, String ca, String... ext) throws Exception {
        return signedAs(alias, alias, ca, ext);
    }

    /** A key pair under {@code alias} with subject {@code CN=cn}, certified by {@code ca}, with {@code ext}s. */
    X509Certificate signedAs(String alias, String cn, String ca, String... ext) throws Exception {
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + cn);
        Path req = dir.resolve(alias + ".csr");
        Files.write(req, keytool("-certreq", "-alias", alias));
        List<String> gen = new ArrayList<>(List.of("-gencert", "-alias", ca, "-infile", req.toString(), "-rfc",
                "-validity", "30"));
        for (String e : ext) {
            gen.addAll(List.of("-ext", e));
        }
        return certificate(keytool(gen.toArray(String[]::new)));
    }

    PrivateKey key(String alias) throws Exception {
        return (PrivateKey) load().getKey(alias, PASSWORD.toCharArray());
    }

    /** The key pair under {@code alias}, as the agent would have made it. */
    KeyPair keyPair(String alias) throws Exception {
        return new KeyPair(load().getCertificate(alias).getPublicKey(), key(alias));
    }

    private KeyStore load() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        return ks;
    }

    private static X509Certificate certificate(byte[] pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    }

    /** Runs keytool on the store; its standard output. */
    private byte[] keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, cmd + ": " + err);
        return out;
    }
}
