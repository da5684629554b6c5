package io.orchion.security.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.NotFoundException;
import io.orchion.api.Orchion;
import io.orchion.api.Ready;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.api.security.IssuedJoinToken;
import io.orchion.api.security.JoinTokenInfo;
import io.orchion.api.security.NodeCertificate;

/**
 * The orchestrator's certificate authority in {@code DATA/security}: {@code ca.key} and
 * {@code ca.crt} (made on first start), the node certificates issued and revoked and the join
 * tokens ({@code authority.json}). The server certificate is made anew at every start, for the
 * names and addresses the host has then.
 */
@Component(service = CertificateAuthority.class, immediate = true, configurationPid = AuthorityComponent.PID)
@Designate(ocd = AuthorityComponent.Config.class)
public class AuthorityComponent implements CertificateAuthority {
    static final String PID = "io.orchion.security";
    private static final Logger LOG = LoggerFactory.getLogger(AuthorityComponent.class);
    static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @ObjectClassDefinition(name = "Orchion security")
    public @interface Config {
        @AttributeDefinition(description = "extra names or addresses for the server certificate (how agents and browsers reach this host)")
        String[] tls_san() default {};

        @AttributeDefinition(description = "validity of a node certificate, in days")
        int node_certificate_days() default 1825;
    }

    /** What authority.json holds. */
    record State(List<CertEntry> certificates, List<String> revokedNodes, List<JoinEntry> joinTokens) {
        State {
            certificates = certificates == null ? new ArrayList<>() : new ArrayList<>(certificates);
            revokedNodes = revokedNodes == null ? new ArrayList<>() : new ArrayList<>(revokedNodes);
            joinTokens = joinTokens == null ? new ArrayList<>() : new ArrayList<>(joinTokens);
        }
    }

    record CertEntry(String nodeId, String serial, long issued, long notAfter, String how, Long revoked) {
        NodeCertificate view() {
            return new NodeCertificate(nodeId, serial, Instant.ofEpochMilli(issued), Instant.ofEpochMilli(notAfter), how,
                    revoked == null ? null : Instant.ofEpochMilli(revoked));
        }
    }

    record JoinEntry(String id, String hash, String note, long created, Long expires, int usesLeft, int uses) {
        JoinTokenInfo view() {
            return new JoinTokenInfo(id, note, Instant.ofEpochMilli(created),
                    expires == null ? null : Instant.ofEpochMilli(expires), usesLeft, uses);
        }
    }

    private final Path dir;
    private final X509Certificate ca;
    private final PrivateKey caKey;
    private final String caHash;
    private final X509ExtendedKeyManager serverKeys;
    private final X509ExtendedTrustManager clientTrust;
    private final Duration nodeValidity;
    private State state;
    private final ServiceRegistration<Ready> ready;

    @Activate
    public AuthorityComponent(BundleContext context, Config config) throws IOException, GeneralSecurityException {
        String data = context.getProperty(Orchion.DATA_DIR);
        this.dir = SecureFiles.ownerOnlyDir(Path.of(data == null ? "data" : data).toAbsolutePath().resolve("security"));
        this.nodeValidity = Duration.ofDays(Math.max(1, config.node_certificate_days()));
        String host = hostname(); // one lookup: it names the CA (first start) and goes in the server certificate
        Path keyFile = dir.resolve("ca.key");
        Path certFile = dir.resolve("ca.crt");
        if (Files.exists(keyFile) && Files.exists(certFile)) {
            try {
                this.caKey = Certs.privateKey(Certs.unpem(Files.readString(keyFile), "PRIVATE KEY"));
                this.ca = Certs.certificate(Certs.unpem(Files.readString(certFile), "CERTIFICATE"));
            } catch (RuntimeException | GeneralSecurityException e) {
                throw new IOException("the certificate authority in " + dir + " cannot be read (" + e.getMessage()
                        + "); restore it from a backup: a new one would lock out every joined node", e);
            }
        } else if (Files.exists(keyFile) || Files.exists(certFile)) {
            throw new IOException("the certificate authority in " + dir + " is incomplete (one of ca.key, ca.crt is missing); "
                    + "restore it from a backup: a new one would lock out every joined node");
        } else {
            KeyPair kp = Certs.newKeyPair();
            this.ca = Certs.selfSignedCa(kp, "Orchion CA " + host, Duration.ofDays(365L * 20));
            this.caKey = kp.getPrivate();
            SecureFiles.write(keyFile, Certs.pem("PRIVATE KEY", caKey.getEncoded()).getBytes(StandardCharsets.US_ASCII));
            SecureFiles.write(certFile, Certs.pem(ca).getBytes(StandardCharsets.US_ASCII));
            LOG.info("security: created a certificate authority in {}", dir);
        }
        this.caHash = Certs.sha256(ca.getEncoded());
        Path stateFile = dir.resolve("authority.json");
        this.state = Files.exists(stateFile) ? JSON.readValue(stateFile.toFile(), State.class) : new State(null, null, null);

        // the server certificate: fresh at every start, for the names and addresses of now
        KeyPair server = Certs.newKeyPair();
        Set<String> dns = new LinkedHashSet<>(List.of(SERVER_NAME, "localhost"));
        Set<InetAddress> ips = new LinkedHashSet<>();
        if (!host.isBlank()) {
            dns.add(host);
        }
        addresses(ips);
        String bind = context.getProperty(Orchion.BIND_ADDRESS);
        for (String extra : concat(config.tls_san(), bind)) {
            if (extra == null || extra.isBlank() || extra.equals("0.0.0.0") || extra.equals("::")) {
                continue;
            }
            String e = extra.trim();
            if (e.matches("[0-9.]+") || e.contains(":")) {
                ips.add(InetAddress.getByName(e.replaceAll("^\\[|\\]$", "")));
            } else {
                dns.add(e);
            }
        }
        X509Certificate serverCert = Certs.server(ca, caKey, server.getPublic(), dns, ips, Duration.ofDays(825));
        char[] none = new char[0];
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", server.getPrivate(), none, new Certificate[] { serverCert, ca });
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, none);
        this.serverKeys = first(kmf.getKeyManagers(), X509ExtendedKeyManager.class);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        this.clientTrust = first(tmf.getTrustManagers(), X509ExtendedTrustManager.class);
        writeHttpsKeystore(context, server.getPrivate(), serverCert);
        LOG.info("security: server certificate for {} {}", dns, ips.stream().map(InetAddress::getHostAddress).toList());

        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Ready.PROPERTY, "security");
        this.ready = context.registerService(Ready.class, () -> "CA " + caHash.substring(0, 12), props);
    }

    @Deactivate
    void deactivate() {
        try {
            ready.unregister();
        } catch (IllegalStateException ignored) {
            // gone with the bundle
        }
    }

    /** The HTTPS listener's key store, where the launcher asked for one (it names path and password). */
    private void writeHttpsKeystore(BundleContext context, PrivateKey key, X509Certificate cert)
            throws IOException, GeneralSecurityException {
        String path = context.getProperty("org.apache.felix.https.keystore");
        String enabled = context.getProperty("org.apache.felix.https.enable");
        if (path == null || !"true".equals(enabled)) {
            return;
        }
        String pw = context.getProperty("org.apache.felix.https.keystore.password");
        char[] password = pw == null ? new char[0] : pw.toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", key, password, new Certificate[] { cert, ca });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream o = out) {
            ks.store(o, password);
        }
        SecureFiles.write(Path.of(path), out.toByteArray());
    }

    private static List<String> concat(String[] a, String b) {
        List<String> l = new ArrayList<>(a == null ? List.of() : List.of(a));
        l.add(b);
        return l;
    }

    private static void addresses(Set<InetAddress> ips) {
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (!a.isLinkLocalAddress()) {
                        ips.add(a);
                    }
                }
            }
        } catch (SocketException e) {
            LOG.debug("security: cannot list interfaces: {}", e.getMessage());
        }
        try {
            ips.add(InetAddress.getByName("127.0.0.1"));
            ips.add(InetAddress.getByName("::1"));
        } catch (IOException ignored) {
            // literals always parse
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "";
        }
    }

    private static <T> T first(Object[] managers, Class<T> type) {
        for (Object m : managers) {
            if (type.isInstance(m)) {
                return type.cast(m);
            }
        }
        throw new IllegalStateException("no " + type.getSimpleName());
    }

    private void save() {
        try {
            SecureFiles.write(dir.resolve("authority.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
        } catch (IOException e) {
            throw new IllegalStateException("cannot save " + dir.resolve("authority.json") + ": " + e.getMessage(), e);
        }
    }

    @Override
    public X509Certificate caCertificate() {
        return ca;
    }

    @Override
    public String caHash() {
        return caHash;
    }

    @Override
    public X509ExtendedKeyManager serverKeys() {
        return serverKeys;
    }

    @Override
    public X509ExtendedTrustManager clientTrust() {
        return clientTrust;
    }

    @Override
    public synchronized String nodeOf(X509Certificate c) {
        try {
            c.verify(ca.getPublicKey());
            c.checkValidity();
        } catch (GeneralSecurityException e) {
            throw new SecurityException("the client certificate was not issued by this orchestrator or has expired");
        }
        String dn = c.getSubjectX500Principal().getName();
        if (!dn.contains("O=" + Certs.NODE_ORG)) {
            throw new SecurityException("the client certificate is not a node certificate");
        }
        String id = dn.replaceAll("^.*CN=([^,]+).*$", "$1");
        String serial = c.getSerialNumber().toString(16);
        for (CertEntry e : state.certificates()) {
            if (e.serial().equals(serial)) {
                if (e.revoked() != null || state.revokedNodes().contains(id)) {
                    throw new SecurityException("node " + id + " was revoked");
                }
                return id;
            }
        }
        throw new SecurityException("the certificate of node " + id + " is not on record here");
    }

    @Override
    public synchronized List<X509Certificate> join(String joinToken, String nodeId, PublicKey key, byte[] proof) {
        String[] parts = CertificateAuthority.joinTokenParts(joinToken);
        if (parts == null) {
            throw new SecurityException("the join token is malformed (expected ojt1.ID.SECRET.CAHASH)");
        }
        if (!parts[3].equals(caHash)) {
            throw new SecurityException("the join token was made by another orchestrator (its CA hash differs)");
        }
        int at = -1;
        for (int i = 0; i < state.joinTokens().size(); i++) {
            JoinEntry e = state.joinTokens().get(i);
            if (e.id().equals(parts[1]) && MessageDigest.isEqual(e.hash().getBytes(StandardCharsets.US_ASCII),
                    Certs.sha256(parts[2].getBytes(StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII))) {
                at = i;
            }
        }
        if (at < 0) {
            throw new SecurityException("the join token is unknown or was revoked");
        }
        JoinEntry t = state.joinTokens().get(at);
        if (t.expires() != null && t.expires() < System.currentTimeMillis()) {
            throw new SecurityException("the join token " + t.id() + " expired at " + Instant.ofEpochMilli(t.expires()));
        }
        if (t.usesLeft() <= 0) {
            throw new SecurityException("the join token " + t.id() + " is used up (" + t.uses() + " join(s))");
        }
        checkNewNode(nodeId, key);
        checkProof(t.id(), nodeId, key, proof, "the join request's");
        state.joinTokens().set(at, new JoinEntry(t.id(), t.hash(), t.note(), t.created(), t.expires(), t.usesLeft() - 1,
                t.uses()));
        return issue(nodeId, key, "join " + t.id());
    }

    @Override
    public synchronized List<X509Certificate> renew(String nodeId, PublicKey key, byte[] proof) {
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw new SecurityException("node id '" + nodeId + "' is not valid");
        }
        if (state.revokedNodes().contains(nodeId)) {
            throw new SecurityException("node " + nodeId + " was revoked");
        }
        checkKey(key);
        checkProof(RENEW, nodeId, key, proof, "the renewal's");
        return issue(nodeId, key, "renew");
    }

    private static void checkKey(PublicKey key) {
        if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
            throw new SecurityException("the node key must be an EC P-256 key");
        }
    }

    /** That {@code proof} is {@code key}'s signature over {@link CertificateAuthority#proofPayload}. */
    private static void checkProof(String tokenId, String nodeId, PublicKey key, byte[] proof, String whose) {
        boolean verified;
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(key);
            s.update(CertificateAuthority.proofPayload(tokenId, nodeId, key));
            verified = proof != null && s.verify(proof);
        } catch (GeneralSecurityException e) {
            verified = false;
        }
        if (!verified) {
            throw new SecurityException(whose + " proof does not verify with its key");
        }
    }

    private void checkNewNode(String nodeId, PublicKey key) {
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw new SecurityException("node id '" + nodeId + "' is not valid (letters, digits, . _ -; up to 128)");
        }
        if (state.revokedNodes().contains(nodeId)) {
            throw new SecurityException("node " + nodeId + " was revoked; it cannot join again (start the agent with a fresh data folder to join as a new node)");
        }
        long now = System.currentTimeMillis();
        for (CertEntry e : state.certificates()) {
            if (e.nodeId().equals(nodeId) && e.revoked() == null && e.notAfter() > now) {
                throw new SecurityException("node " + nodeId + " has already joined; revoke it first (orchion:node revoke "
                        + nodeId + ") or start the agent with a fresh data folder");
            }
        }
        checkKey(key);
    }

    private List<X509Certificate> issue(String nodeId, PublicKey key, String how) {
        try {
            X509Certificate c = Certs.node(ca, caKey, nodeId, key, nodeValidity);
            state.certificates().add(new CertEntry(nodeId, c.getSerialNumber().toString(16), System.currentTimeMillis(),
                    c.getNotAfter().getTime(), how, null));
            save();
            LOG.info("security: issued a certificate to node {} ({})", nodeId, how);
            return List.of(c, ca);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized List<X509Certificate> enrollLocal(String nodeId, PublicKey key) {
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw new SecurityException("node id '" + nodeId + "' is not valid");
        }
        if (state.revokedNodes().contains(nodeId)) {
            throw new SecurityException("node " + nodeId + " was revoked");
        }
        return issue(nodeId, key, "local");
    }

    @Override
    public synchronized IssuedJoinToken createJoinToken(Duration ttl, int uses, String note) {
        if (uses < 1 || uses > 100_000) {
            throw new InvalidArgumentException("uses", "must be between 1 and 100000, not " + uses);
        }
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            throw new InvalidArgumentException("ttl", "must be positive");
        }
        String n = note == null ? "" : note.strip();
        if (n.length() > 200 || n.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidArgumentException("note", "at most 200 characters, no control characters");
        }
        String id = randomId();
        String secret = secret();
        long now = System.currentTimeMillis();
        JoinEntry e = new JoinEntry(id, Certs.sha256(secret.getBytes(StandardCharsets.US_ASCII)), n, now,
                ttl == null ? null : now + ttl.toMillis(), uses, uses);
        state.joinTokens().add(e);
        save();
        return new IssuedJoinToken(e.view(), "ojt1." + id + "." + secret + "." + caHash);
    }

    @Override
    public synchronized List<JoinTokenInfo> joinTokens() {
        return state.joinTokens().stream().map(JoinEntry::view).toList();
    }

    @Override
    public synchronized JoinTokenInfo revokeJoinToken(String id) {
        for (JoinEntry e : state.joinTokens()) {
            if (e.id().equals(id)) {
                state.joinTokens().remove(e);
                save();
                return e.view();
            }
        }
        throw new NotFoundException("join token", id);
    }

    @Override
    public synchronized List<NodeCertificate> revokeNode(String nodeId) {
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw new InvalidArgumentException("node", "'" + nodeId + "' is not a node id");
        }
        List<NodeCertificate> done = new ArrayList<>();
        long now = System.currentTimeMillis();
        List<CertEntry> certs = state.certificates();
        for (int i = 0; i < certs.size(); i++) {
            CertEntry e = certs.get(i);
            if (e.nodeId().equals(nodeId) && e.revoked() == null) {
                CertEntry r = new CertEntry(e.nodeId(), e.serial(), e.issued(), e.notAfter(), e.how(), now);
                certs.set(i, r);
                done.add(r.view());
            }
        }
        if (!state.revokedNodes().contains(nodeId)) {
            state.revokedNodes().add(nodeId);
        }
        save();
        return done;
    }

    @Override
    public synchronized boolean isRevoked(String nodeId) {
        return state.revokedNodes().contains(nodeId);
    }

    @Override
    public synchronized List<NodeCertificate> certificates() {
        return state.certificates().stream().map(CertEntry::view).toList();
    }

    static String randomId() {
        byte[] b = new byte[5];
        RANDOM.nextBytes(b);
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    static String secret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }


}
