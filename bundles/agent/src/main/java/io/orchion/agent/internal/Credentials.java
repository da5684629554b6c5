package io.orchion.agent.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import com.google.protobuf.ByteString;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.api.security.Pem;
import io.orchion.proto.v1.EnrollmentGrpc;
import io.orchion.proto.v1.JoinRequest;
import io.orchion.proto.v1.JoinResponse;

/**
 * The node's key and certificate in {@code DATA/agent}: {@code node.key} (owner-only),
 * {@code node.crt} (the node certificate, then the CA). The key is made here and never leaves
 * the node: joining sends the public key with a signature over the join request, and gets the
 * certificate back. Uses only the JDK's own security providers (no extra library on the agent).
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

    private Credentials(PrivateKey key, List<X509Certificate> chain) {
        this.key = key;
        this.chain = chain;
    }

    String nodeId() {
        return commonName(chain.get(0));
    }

    private static String commonName(X509Certificate c) {
        String cn = CertificateAuthority.commonName(c);
        return cn == null ? "" : cn;
    }

    X509Certificate ca() {
        return chain.get(chain.size() - 1);
    }

    /** When the node certificate stops being accepted. */
    java.time.Instant notAfter() {
        return chain.get(0).getNotAfter().toInstant();
    }

    /**
     * Whether to renew now: less than {@code before} is left (null or zero: less than a third of
     * the certificate's whole validity, e.g. the last 20 months of the default 5 years).
     */
    boolean renewalDue(java.time.Instant now, java.time.Duration before) {
        java.time.Instant from = chain.get(0).getNotBefore().toInstant();
        java.time.Duration left = java.time.Duration.between(now, notAfter());
        java.time.Duration threshold = before == null || before.isZero() || before.isNegative()
                ? java.time.Duration.between(from, notAfter()).dividedBy(3) : before;
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
            return TlsChannelCredentials.newBuilder().keyManager(kmf.getKeyManagers()).trustManager(trusting(ca())).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot use the node certificate: " + e.getMessage(), e);
        }
    }

    static javax.net.ssl.TrustManager[] trusting(X509Certificate ca) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        return tmf.getTrustManagers();
    }

    static boolean present(Path dir) {
        return Files.exists(dir.resolve("node.key")) && Files.exists(dir.resolve("node.crt"));
    }

    static Credentials load(Path dir) throws IOException {
        finishRenewal(dir);
        Credentials c = read(dir);
        if (c.notAfter().isBefore(java.time.Instant.now())) {
            throw new Refused("the node certificate in " + dir + " expired at " + c.notAfter() + " (it was not renewed in "
                    + "time); delete " + dir.resolve("node.crt") + " and start the agent with a new join token");
        }
        return c;
    }

    private static Credentials read(Path dir) throws IOException {
        try {
            PrivateKey k = KeyFactory.getInstance("EC")
                    .generatePrivate(new PKCS8EncodedKeySpec(unpem(Files.readString(dir.resolve("node.key")), "PRIVATE KEY")));
            List<X509Certificate> chain = certificates(Files.readString(dir.resolve("node.crt")));
            if (chain.size() < 2) {
                throw new IOException("node.crt must hold the node certificate and the CA");
            }
            return new Credentials(k, chain);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("the node certificate in " + dir + " cannot be read (" + e.getMessage()
                    + "); join again with a fresh data folder and a new join token", e);
        }
    }

    /**
     * A new key and certificate, asked for over mutual TLS with these (still valid) credentials.
     * The new pair is written beside the old as {@code node.key.next} and {@code node.crt.next},
     * then moved into place key first; {@link #load} finishes a move a crash interrupted, so the
     * folder always holds a pair the orchestrator issued.
     *
     * @throws Refused when the orchestrator refuses (the node was revoked)
     */
    Credentials renew(Path dir, String host, int port) throws IOException {
        KeyPair kp = newKeyPair();
        ManagedChannel ch = channel(host, port, channelCredentials());
        try {
            JoinResponse r = EnrollmentGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .renew(io.orchion.proto.v1.RenewRequest.newBuilder()
                            .setPublicKey(ByteString.copyFrom(kp.getPublic().getEncoded()))
                            .setProof(proof(kp, CertificateAuthority.RENEW, nodeId())).build());
            List<X509Certificate> next = chain(r);
            if (next.size() < 2 || !hash(next.get(next.size() - 1)).equals(hash(ca()))
                    || !next.get(0).getPublicKey().equals(kp.getPublic()) || !commonName(next.get(0)).equals(nodeId())) {
                throw new IOException("the orchestrator answered the renewal with a certificate that does not fit it");
            }
            Credentials renewed = store(dir, ".next", kp.getPrivate(), next);
            finishRenewal(dir);
            return renewed;
        } catch (StatusRuntimeException e) {
            Status st = e.getStatus();
            if (st.getCode() == Status.Code.PERMISSION_DENIED) {
                throw new Refused("the orchestrator refused to renew this node's certificate: " + st.getDescription());
            }
            throw new IOException("cannot renew through " + host + ":" + port + ": " + describe(st), e);
        } finally {
            ch.shutdownNow();
        }
    }

    /** Moves a renewed pair into place: the key, then the certificate that completes it. */
    private static void finishRenewal(Path dir) throws IOException {
        Path crt = dir.resolve("node.crt.next");
        if (!Files.exists(crt)) {
            Files.deleteIfExists(dir.resolve("node.key.next")); // a renewal that never got its certificate
            return;
        }
        Path key = dir.resolve("node.key.next");
        if (Files.exists(key)) {
            Pem.replace(key, dir.resolve("node.key"));
        }
        Pem.replace(crt, dir.resolve("node.crt"));
    }

    /** The all-in-one agent: a certificate from the CA in this same process. */
    static Credentials local(Path dir, String nodeId, CertificateAuthority ca) throws IOException {
        KeyPair kp = newKeyPair();
        List<X509Certificate> chain;
        try {
            chain = ca.enrollLocal(nodeId, kp.getPublic());
        } catch (SecurityException e) {
            throw new Refused(e.getMessage());
        }
        return store(dir, "", kp.getPrivate(), chain);
    }

    /**
     * Joins over TLS without a client certificate. The server must present a certificate for
     * {@link CertificateAuthority#SERVER_NAME} signed by the CA whose hash the token carries,
     * else the token is not sent.
     */
    static Credentials join(Path dir, String host, int port, String token, String nodeId, String name)
            throws IOException {
        String[] parts = CertificateAuthority.joinTokenParts(token);
        if (parts == null) {
            throw new Refused("the join token is malformed (expected ojt1.ID.SECRET.CAHASH, from orchion:jointoken create)");
        }
        KeyPair kp = newKeyPair();
        PinnedCa pinned = new PinnedCa(parts[3]);
        ManagedChannel ch = channel(host, port, TlsChannelCredentials.newBuilder().trustManager(pinned).build());
        try {
            JoinResponse r = EnrollmentGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .join(JoinRequest.newBuilder().setToken(token.trim()).setNodeId(nodeId).setName(name)
                            .setPublicKey(ByteString.copyFrom(kp.getPublic().getEncoded()))
                            .setProof(proof(kp, parts[1], nodeId)).build());
            List<X509Certificate> chain = chain(r);
            if (chain.size() < 2 || !hash(chain.get(chain.size() - 1)).equals(parts[3])
                    || !chain.get(0).getPublicKey().equals(kp.getPublic())) {
                throw new IOException("the orchestrator answered with a certificate that does not fit the request");
            }
            return store(dir, "", kp.getPrivate(), chain);
        } catch (StatusRuntimeException e) {
            Status s = e.getStatus();
            if (s.getCode() == Status.Code.PERMISSION_DENIED || s.getCode() == Status.Code.INVALID_ARGUMENT) {
                throw new Refused("the orchestrator refused to join this node: " + s.getDescription());
            }
            if (pinned.mismatch != null) {
                throw new Refused(pinned.mismatch);
            }
            throw new IOException("cannot join through " + host + ":" + port + ": " + describe(s), e);
        } finally {
            ch.shutdownNow();
        }
    }

    /** A channel to the orchestrator, which must present a certificate for {@link CertificateAuthority#SERVER_NAME}. */
    private static ManagedChannel channel(String host, int port, ChannelCredentials credentials) throws IOException {
        try {
            return NettyChannelBuilder.forAddress(new InetSocketAddress(host, port), credentials)
                    .overrideAuthority(CertificateAuthority.SERVER_NAME).build();
        } catch (RuntimeException e) {
            throw new IOException("cannot reach " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** The new key's signature over {@link CertificateAuthority#proofPayload}: that the caller holds it. */
    private static ByteString proof(KeyPair kp, String tokenId, String nodeId) throws IOException {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(kp.getPrivate());
            s.update(CertificateAuthority.proofPayload(tokenId, nodeId, kp.getPublic()));
            return ByteString.copyFrom(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot sign with the new key: " + e.getMessage(), e);
        }
    }

    /** The certificates of an answer, node certificate first. */
    private static List<X509Certificate> chain(JoinResponse r) throws IOException {
        try {
            List<X509Certificate> chain = new ArrayList<>();
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (ByteString b : r.getCertificateChainList()) {
                chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.toByteArray())));
            }
            return chain;
        } catch (GeneralSecurityException e) {
            throw new IOException("the orchestrator answered with a certificate that cannot be read: " + e.getMessage(), e);
        }
    }

    private static String describe(Status s) {
        return s.getCode() + (s.getDescription() == null ? "" : " " + s.getDescription());
    }

    private static KeyPair newKeyPair() throws IOException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a key: " + e.getMessage(), e);
        }
    }

    /** Writes {@code node.key} and {@code node.crt}, each with {@code suffix} ({@code .next} while renewing). */
    private static Credentials store(Path dir, String suffix, PrivateKey key, List<X509Certificate> chain)
            throws IOException {
        Files.createDirectories(dir);
        StringBuilder pem = new StringBuilder();
        try {
            for (X509Certificate c : chain) {
                pem.append(pem("CERTIFICATE", c.getEncoded()));
            }
        } catch (CertificateException e) {
            throw new IOException(e);
        }
        write(dir.resolve("node.key" + suffix), pem("PRIVATE KEY", key.getEncoded()));
        write(dir.resolve("node.crt" + suffix), pem.toString());
        return new Credentials(key, List.copyOf(chain));
    }

    private static void write(Path file, String content) throws IOException {
        Pem.writeOwnerOnly(file, content.getBytes(StandardCharsets.US_ASCII));
    }

    private static String pem(String type, byte[] der) {
        return Pem.encode(type, der);
    }

    private static byte[] unpem(String text, String type) {
        return Pem.decode(text, type);
    }

    private static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (Certificate c : cf.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            out.add((X509Certificate) c);
        }
        return out;
    }

    static String hash(X509Certificate c) {
        try {
            return CertificateAuthority.sha256(c.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Trusts a server chain only if it contains the CA with the pinned hash, and then as the standard
     * PKIX check trusting only that CA does (signature, validity, key usage for a TLS server), and its
     * first certificate names {@link CertificateAuthority#SERVER_NAME}.
     */
    static final class PinnedCa extends X509ExtendedTrustManager {
        private final String hash;
        volatile String mismatch;

        PinnedCa(String hash) {
            this.hash = hash;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            X509Certificate ca = null;
            for (X509Certificate c : chain) {
                if (hash(c).equals(hash)) {
                    ca = c;
                }
            }
            if (ca == null) {
                mismatch = "the server is not the orchestrator that made the join token (its CA hash differs)";
                throw new CertificateException(mismatch);
            }
            try {
                for (javax.net.ssl.TrustManager tm : trusting(ca)) {
                    if (tm instanceof javax.net.ssl.X509TrustManager pkix) {
                        pkix.checkServerTrusted(chain, authType);
                    }
                }
            } catch (GeneralSecurityException | IOException e) {
                mismatch = "the server's certificate is not signed by the orchestrator's CA: " + e.getMessage();
                throw new CertificateException(mismatch, e);
            }
            boolean named = false;
            if (chain[0].getSubjectAlternativeNames() != null) {
                for (List<?> n : chain[0].getSubjectAlternativeNames()) {
                    if (Integer.valueOf(2).equals(n.get(0)) && CertificateAuthority.SERVER_NAME.equals(n.get(1))) {
                        named = true;
                    }
                }
            }
            if (!named) {
                mismatch = "the server's certificate is not an orchestrator server certificate (no "
                        + CertificateAuthority.SERVER_NAME + ")";
                throw new CertificateException(mismatch);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
