package io.orchion.agent.internal;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.orchion.api.security.CertificateAuthority;

/**
 * The node's key and its certificate chain (the node certificate, then the orchestrator's CA):
 * what the agent shows on every connection. The key is made on the node ({@link #newKeyPair}) and
 * never leaves it. Where they come from and go to are other parts' jobs: {@link CredentialFiles}
 * keeps them in the data folder, {@link EnrollmentClient} gets the certificate by joining or
 * renewing. Uses only the JDK's own security providers (no extra library on the agent).
 */
final class Credentials {
    /** The orchestrator refused us for good: a bad, used-up or foreign join token, a revoked node. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private final PrivateKey key;
    private final List<X509Certificate> chain;

    /** @param chain the node certificate first, the CA last; at least two */
    Credentials(PrivateKey key, List<X509Certificate> chain) {
        if (chain.size() < 2) {
            throw new IllegalArgumentException("a node's chain holds the node certificate and the CA, not "
                    + chain.size() + " certificate(s)");
        }
        this.key = key;
        this.chain = List.copyOf(chain);
    }

    /** The all-in-one agent: a certificate for a new key from the CA in this same process. */
    static Credentials issuedBy(CertificateAuthority ca, String nodeId) throws IOException {
        KeyPair kp = newKeyPair();
        try {
            return new Credentials(kp.getPrivate(), ca.enrollLocal(nodeId, kp.getPublic()));
        } catch (SecurityException e) {
            throw new Refused(e.getMessage());
        }
    }

    /** A fresh EC P-256 key pair, the only kind the orchestrator certifies. */
    static KeyPair newKeyPair() throws IOException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a key: " + e.getMessage(), e);
        }
    }

    PrivateKey key() {
        return key;
    }

    /** The node certificate, then the CA. */
    List<X509Certificate> chain() {
        return chain;
    }

    /** The node id: the node certificate's common name. */
    String nodeId() {
        return commonName(chain.get(0));
    }

    static String commonName(X509Certificate c) {
        String cn = CertificateAuthority.commonName(c);
        return cn == null ? "" : cn;
    }

    X509Certificate ca() {
        return chain.get(chain.size() - 1);
    }

    /** When the node certificate stops being accepted. */
    Instant notAfter() {
        return chain.get(0).getNotAfter().toInstant();
    }

    /**
     * Whether to renew now: less than {@code before} is left (null or zero: less than a third of
     * the certificate's whole validity, e.g. the last 20 months of the default 5 years).
     */
    boolean renewalDue(Instant now, Duration before) {
        Instant from = chain.get(0).getNotBefore().toInstant();
        Duration left = Duration.between(now, notAfter());
        Duration threshold = before == null || before.isZero() || before.isNegative()
                ? Duration.between(from, notAfter()).dividedBy(3) : before;
        return left.compareTo(threshold) < 0;
    }

    /** Mutual TLS that trusts only this orchestrator's CA (the server name is checked by gRPC). */
    ChannelCredentials channelCredentials() {
        try {
            char[] none = new char[0];
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("node", key, none, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, none);
            return TlsChannelCredentials.newBuilder().keyManager(kmf.getKeyManagers())
                    .trustManager(PinnedCa.trusting(ca())).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot use the node certificate: " + e.getMessage(), e);
        }
    }
}
