package io.orchion.security.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

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

import io.orchion.api.Orchion;
import io.orchion.api.Ready;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.api.security.IssuedJoinToken;
import io.orchion.api.security.JoinTokenInfo;
import io.orchion.api.security.NodeCertificate;
import io.orchion.security.internal.AuthorityState.JoinEntry;

/**
 * The orchestrator's certificate authority in {@code DATA/security}, wired from its parts: the CA's
 * own files ({@link CaFiles}), the server's TLS identity made anew at every start
 * ({@link ServerIdentity}), the join tokens ({@link JoinTokenBook}) and the node certificates
 * ({@link NodeCertificates}), the last two recorded in {@code authority.json} ({@link AuthorityState}).
 * Every change goes through this component's lock, so a join checks and spends its token and issues
 * the certificate as one step.
 */
@Component(service = CertificateAuthority.class, immediate = true, configurationPid = AuthorityComponent.PID)
@Designate(ocd = AuthorityComponent.Config.class)
public class AuthorityComponent implements CertificateAuthority {
    static final String PID = "io.orchion.security";

    @ObjectClassDefinition(name = "Orchion security")
    public @interface Config {
        @AttributeDefinition(description = "extra names or addresses for the server certificate (how agents and browsers reach this host)")
        String[] tls_san() default {};

        @AttributeDefinition(description = "validity of a node certificate, in days")
        int node_certificate_days() default 1825;
    }

    private final CaFiles.Ca ca;
    private final ServerIdentity server;
    private final JoinTokenBook joinTokens;
    private final NodeCertificates nodes;
    private final AuthorityState state;
    private final ServiceRegistration<Ready> ready;

    @Activate
    public AuthorityComponent(BundleContext context, Config config) throws IOException, GeneralSecurityException {
        String data = context.getProperty(Orchion.DATA_DIR);
        Path dir = SecureFiles.ownerOnlyDir(Path.of(data == null ? "data" : data).toAbsolutePath().resolve("security"));
        String host = hostname(); // one lookup: it names the CA (first start) and goes in the server certificate
        this.ca = CaFiles.loadOrCreate(dir, host);
        this.state = new AuthorityState(dir.resolve("authority.json"));
        this.joinTokens = new JoinTokenBook(state, ca.hash());
        this.nodes = new NodeCertificates(state, ca, Duration.ofDays(Math.max(1, config.node_certificate_days())));

        List<String> extras = new ArrayList<>(config.tls_san() == null ? List.of() : List.of(config.tls_san()));
        extras.add(context.getProperty(Orchion.BIND_ADDRESS));
        this.server = ServerIdentity.create(ca, host, extras);
        // the HTTPS listener's key store, where the launcher asked for one (it names path and password)
        String keystore = context.getProperty("org.apache.felix.https.keystore");
        if (keystore != null && "true".equals(context.getProperty("org.apache.felix.https.enable"))) {
            String pw = context.getProperty("org.apache.felix.https.keystore.password");
            server.writeKeyStore(Path.of(keystore), pw == null ? new char[0] : pw.toCharArray());
        }

        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Ready.PROPERTY, "security");
        this.ready = context.registerService(Ready.class, () -> "CA " + ca.hash().substring(0, 12), props);
    }

    @Deactivate
    void deactivate() {
        try {
            ready.unregister();
        } catch (IllegalStateException ignored) {
            // gone with the bundle
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public X509Certificate caCertificate() {
        return ca.cert();
    }

    @Override
    public String caHash() {
        return ca.hash();
    }

    @Override
    public X509ExtendedKeyManager serverKeys() {
        return server.keys();
    }

    @Override
    public X509ExtendedTrustManager clientTrust() {
        return server.clientTrust();
    }

    @Override
    public synchronized String nodeOf(X509Certificate c) {
        return nodes.nodeOf(c);
    }

    @Override
    public synchronized List<X509Certificate> join(String joinToken, String nodeId, PublicKey key, byte[] proof) {
        JoinEntry t = joinTokens.check(joinToken);
        nodes.checkNewNode(nodeId, key);
        NodeCertificates.checkProof(t.id(), nodeId, key, proof, "the join request's");
        joinTokens.spend(t);
        return nodes.issue(nodeId, key, "join " + t.id()); // saves the spent use with the certificate
    }

    @Override
    public synchronized List<X509Certificate> renew(String nodeId, PublicKey key, byte[] proof) {
        nodes.checkKnownNode(nodeId);
        NodeCertificates.checkKey(key);
        NodeCertificates.checkProof(RENEW, nodeId, key, proof, "the renewal's");
        return nodes.issue(nodeId, key, "renew");
    }

    @Override
    public synchronized List<X509Certificate> enrollLocal(String nodeId, PublicKey key) {
        nodes.checkKnownNode(nodeId);
        return nodes.issue(nodeId, key, "local");
    }

    @Override
    public synchronized IssuedJoinToken createJoinToken(Duration ttl, int uses, String note) {
        return joinTokens.create(ttl, uses, note);
    }

    @Override
    public synchronized List<JoinTokenInfo> joinTokens() {
        return joinTokens.list();
    }

    @Override
    public synchronized JoinTokenInfo revokeJoinToken(String id) {
        return joinTokens.revoke(id);
    }

    @Override
    public synchronized List<NodeCertificate> revokeNode(String nodeId) {
        return nodes.revoke(nodeId);
    }

    @Override
    public synchronized boolean isRevoked(String nodeId) {
        return state.isRevoked(nodeId);
    }

    @Override
    public synchronized List<NodeCertificate> certificates() {
        return nodes.list();
    }
}
