package io.orchion.api.security;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The orchestrator's own certificate authority (created on first start in the data folder). It
 * issues the orchestrator's server certificate and node certificates, keeps the join tokens,
 * and revokes nodes.
 */
public interface CertificateAuthority {
    /** The DNS name every orchestrator server certificate carries; agents verify it. */
    String SERVER_NAME = "orchestrator.orchion";

    X509Certificate caCertificate();

    /** SHA-256 of the CA certificate (DER), base64url without padding: what join tokens carry. */
    String caHash();

    /** SHA-256 of {@code data}, base64url without padding: the form of {@link #caHash()} and stored secrets. */
    static String sha256(byte[] data) {
        try {
            return java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java platform has SHA-256
        }
    }

    /** The server's key and certificate chain, for the gRPC (and HTTPS) listeners. */
    X509ExtendedKeyManager serverKeys();

    /** Trusts client certificates this CA issued (revocation is checked per call, see {@link #nodeOf}). */
    X509ExtendedTrustManager clientTrust();

    /**
     * The node a verified client certificate belongs to.
     *
     * @throws SecurityException naming why it is refused (not ours, revoked, not a node certificate)
     */
    String nodeOf(X509Certificate certificate);

    /**
     * Joins a node with a join token: checks the token (unknown, expired, used up, wrong CA are
     * refused), the proof that the caller holds the private key ({@code proof} is a signature
     * by it over {@link #proofPayload}), and that the node id is not revoked or already joined;
     * then issues a certificate.
     *
     * @return the certificate chain, node certificate first, then the CA
     * @throws SecurityException naming what was wrong
     */
    List<X509Certificate> join(String joinToken, String nodeId, PublicKey key, byte[] proof);

    /**
     * The four parts of a join token, {@code ojt1.ID.SECRET.CAHASH} (surrounding blanks ignored),
     * or null when it does not have that form.
     */
    static String[] joinTokenParts(String token) {
        String[] parts = token == null ? new String[0] : token.trim().split("\\.", -1);
        return parts.length == 4 && parts[0].equals("ojt1") ? parts : null;
    }

    /**
     * The common name (CN) of a certificate's subject: a node certificate's node id. Parsed as a
     * distinguished name (RFC 4514, escapes and all), never by pattern; null when the subject has
     * no CN or more than one.
     */
    static String commonName(X509Certificate certificate) {
        try {
            String cn = null;
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(
                    certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    if (cn != null) {
                        return null;
                    }
                    cn = String.valueOf(rdn.getValue());
                }
            }
            return cn;
        } catch (javax.naming.InvalidNameException e) {
            return null;
        }
    }

    /** What a joining agent signs with its new key. */
    static byte[] proofPayload(String tokenId, String nodeId, PublicKey key) {
        byte[] head = ("orchion-join\n" + tokenId + "\n" + nodeId + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] k = key.getEncoded();
        byte[] all = java.util.Arrays.copyOf(head, head.length + k.length);
        System.arraycopy(k, 0, all, head.length, k.length);
        return all;
    }

    /**
     * Issues a certificate to the agent in this same process (the all-in-one profile), without a
     * join token.
     */
    List<X509Certificate> enrollLocal(String nodeId, PublicKey key);

    /**
     * A new certificate for a node that holds a valid one (the caller checked it), for a fresh
     * key: {@code proof} signs {@link #proofPayload} with {@link #RENEW} as the token id. The
     * node's earlier certificates stay valid until they expire; revoking the node ends them all.
     *
     * @throws SecurityException when the node was revoked, the key is not EC P-256 or the proof
     *         does not verify
     */
    List<X509Certificate> renew(String nodeId, PublicKey key, byte[] proof);

    /** The token id a renewal's proof is made with. */
    String RENEW = "renew";

    /** Creates a join token. {@code ttl} null: no expiry; {@code uses} at least 1. */
    IssuedJoinToken createJoinToken(Duration ttl, int uses, String note);

    List<JoinTokenInfo> joinTokens();

    /** @throws io.orchion.api.NotFoundException when there is none */
    JoinTokenInfo revokeJoinToken(String id);

    /**
     * Revokes every certificate of the node and refuses the id from now on.
     *
     * @return the certificates revoked now (empty if the node had none valid)
     */
    List<NodeCertificate> revokeNode(String nodeId);

    boolean isRevoked(String nodeId);

    List<NodeCertificate> certificates();
}
