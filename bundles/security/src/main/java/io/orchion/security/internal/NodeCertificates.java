package io.orchion.security.internal;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.InvalidArgumentException;
import io.orchion.api.Validation;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.api.security.NodeCertificate;
import io.orchion.security.internal.AuthorityState.CertEntry;

/**
 * Node certificates: issued at a join, a renewal or to the local agent, recorded by serial, checked
 * on every call ({@link #nodeOf}) and revoked with their node for good. Node ids follow the one
 * rule in {@link Validation#isNodeId}. Not thread-safe: the authority guards it.
 */
final class NodeCertificates {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCertificates.class);

    private final AuthorityState store;
    private final CaFiles.Ca ca;
    private final Duration validity;

    NodeCertificates(AuthorityState store, CaFiles.Ca ca, Duration validity) {
        this.store = store;
        this.ca = ca;
        this.validity = validity;
    }

    /** The node a client certificate belongs to: issued here, valid, on record and not revoked. */
    String nodeOf(X509Certificate c) {
        try {
            c.verify(ca.cert().getPublicKey());
            c.checkValidity();
        } catch (GeneralSecurityException e) {
            throw new SecurityException("the client certificate was not issued by this orchestrator or has expired");
        }
        if (!Certs.NODE_ORG.equals(organisation(c))) {
            throw new SecurityException("the client certificate is not a node certificate");
        }
        String id = CertificateAuthority.commonName(c);
        if (!Validation.isNodeId(id)) {
            throw new SecurityException("the client certificate does not name a node");
        }
        String serial = c.getSerialNumber().toString(16);
        for (CertEntry e : store.state.certificates()) {
            if (e.serial().equals(serial)) {
                if (e.revoked() != null || store.isRevoked(id)) {
                    throw new SecurityException("node " + id + " was revoked");
                }
                return id;
            }
        }
        throw new SecurityException("the certificate of node " + id + " is not on record here");
    }

    private static String organisation(X509Certificate c) {
        try {
            String o = null;
            for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("O")) {
                    o = String.valueOf(rdn.getValue());
                }
            }
            return o;
        } catch (InvalidNameException e) {
            return null;
        }
    }

    /** A node that may get its first certificate: a valid id, not revoked, not joined already, a P-256 key. */
    void checkNewNode(String nodeId, PublicKey key) {
        if (!Validation.isNodeId(nodeId)) {
            throw new SecurityException("node id '" + nodeId + "' is not valid (letters, digits, . _ : -; up to 128)");
        }
        if (store.isRevoked(nodeId)) {
            throw new SecurityException("node " + nodeId + " was revoked; it cannot join again (start the agent with a fresh data folder to join as a new node)");
        }
        long now = System.currentTimeMillis();
        for (CertEntry e : store.state.certificates()) {
            if (e.nodeId().equals(nodeId) && e.revoked() == null && e.notAfter() > now) {
                throw new SecurityException("node " + nodeId + " has already joined; revoke it first (orchion:node revoke "
                        + nodeId + ") or start the agent with a fresh data folder");
            }
        }
        checkKey(key);
    }

    /** A node that may get another certificate (a renewal, the local agent): a valid id, not revoked. */
    void checkKnownNode(String nodeId) {
        if (!Validation.isNodeId(nodeId)) {
            throw new SecurityException("node id '" + nodeId + "' is not valid");
        }
        if (store.isRevoked(nodeId)) {
            throw new SecurityException("node " + nodeId + " was revoked");
        }
    }

    static void checkKey(PublicKey key) {
        if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
            throw new SecurityException("the node key must be an EC P-256 key");
        }
    }

    /** That {@code proof} is {@code key}'s signature over {@link CertificateAuthority#proofPayload}. */
    static void checkProof(String tokenId, String nodeId, PublicKey key, byte[] proof, String whose) {
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

    /** Issues and records a certificate (saving the state), returning the chain: node certificate, then CA. */
    List<X509Certificate> issue(String nodeId, PublicKey key, String how) {
        try {
            X509Certificate c = Certs.node(ca.cert(), ca.key(), nodeId, key, validity);
            store.state.certificates().add(new CertEntry(nodeId, c.getSerialNumber().toString(16),
                    System.currentTimeMillis(), c.getNotAfter().getTime(), how, null));
            store.save();
            LOG.info("security: issued a certificate to node {} ({})", nodeId, how);
            return List.of(c, ca.cert());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate: " + e.getMessage(), e);
        }
    }

    /** Revokes every certificate of the node and the node id itself, for good. */
    List<NodeCertificate> revoke(String nodeId) {
        if (!Validation.isNodeId(nodeId)) {
            throw new InvalidArgumentException("node", "'" + nodeId + "' is not a node id");
        }
        List<NodeCertificate> done = new ArrayList<>();
        long now = System.currentTimeMillis();
        List<CertEntry> certs = store.state.certificates();
        for (int i = 0; i < certs.size(); i++) {
            CertEntry e = certs.get(i);
            if (e.nodeId().equals(nodeId) && e.revoked() == null) {
                CertEntry r = new CertEntry(e.nodeId(), e.serial(), e.issued(), e.notAfter(), e.how(), now);
                certs.set(i, r);
                done.add(r.view());
            }
        }
        if (!store.state.revokedNodes().contains(nodeId)) {
            store.state.revokedNodes().add(nodeId);
        }
        store.save();
        return done;
    }

    List<NodeCertificate> list() {
        return store.state.certificates().stream().map(CertEntry::view).toList();
    }
}
