package io.orchion.security.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

import io.orchion.api.NotFoundException;
import io.orchion.api.security.AuditEvent;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.api.security.IssuedJoinToken;
import io.orchion.api.security.IssuedToken;
import io.orchion.api.security.Role;

/**
 * The CA, join tokens, API tokens and the audit log on real files. The BundleContext is a
 * stand-in that only answers the data folder property (OSGi plumbing, nothing under test).
 */
class SecurityTest {
    @TempDir
    Path data;

    BundleContext context() {
        Map<String, String> props = Map.of("orchion.data", data.toString());
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { BundleContext.class },
                (p, m, a) -> switch (m.getName()) {
                    case "getProperty" -> props.get((String) a[0]);
                    case "registerService" -> Proxy.newProxyInstance(getClass().getClassLoader(),
                            new Class<?>[] { org.osgi.framework.ServiceRegistration.class }, (p2, m2, a2) -> null);
                    default -> null;
                });
    }

    @SuppressWarnings("unchecked")
    static <A extends Annotation> A config(Class<A> type, Map<String, Object> values) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (p, m, a) -> {
            Object v = values.get(m.getName());
            return v != null ? v : m.getDefaultValue();
        });
    }

    AuthorityComponent authority() throws Exception {
        return new AuthorityComponent(context(), config(AuthorityComponent.Config.class, Map.of()));
    }

    static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static byte[] proof(KeyPair kp, String tokenId, String nodeId) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(kp.getPrivate());
        s.update(CertificateAuthority.proofPayload(tokenId, nodeId, kp.getPublic()));
        return s.sign();
    }

    @Test
    void joinTokensAreCheckedAndRevokedNodesStayOut() throws Exception {
        AuthorityComponent ca = authority();
        IssuedJoinToken t = ca.createJoinToken(Duration.ofHours(1), 1, "rack 2");
        String id = t.info().id();
        KeyPair kp = ec();
        // wrong secret, wrong CA hash, a proof by another key
        assertThrows(SecurityException.class, () -> ca.join(t.token().replaceFirst("\\.[^.]+\\.", ".x."), "n1",
                kp.getPublic(), proof(kp, id, "n1")));
        assertThrows(SecurityException.class, () -> ca.join(t.token().substring(0, t.token().lastIndexOf('.')) + ".other",
                "n1", kp.getPublic(), proof(kp, id, "n1")));
        assertThrows(SecurityException.class, () -> ca.join(t.token(), "n1", kp.getPublic(), proof(ec(), id, "n1")));
        List<X509Certificate> chain = ca.join(t.token(), "n1", kp.getPublic(), proof(kp, id, "n1"));
        assertEquals(2, chain.size());
        assertEquals("n1", ca.nodeOf(chain.get(0)));
        chain.get(0).verify(ca.caCertificate().getPublicKey());
        assertTrue(chain.get(0).getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"), "client authentication only");
        // used up
        SecurityException used = assertThrows(SecurityException.class,
                () -> ca.join(t.token(), "n2", kp.getPublic(), proof(kp, id, "n2")));
        assertTrue(used.getMessage().contains("used up"), used.getMessage());
        // expired
        IssuedJoinToken brief = ca.createJoinToken(Duration.ofMillis(1), 5, "");
        Thread.sleep(5);
        assertThrows(SecurityException.class, () -> ca.join(brief.token(), "n3", kp.getPublic(),
                proof(kp, brief.info().id(), "n3")));
        // revoked: the certificate stops working, the id cannot join again, across a restart
        ca.revokeNode("n1");
        assertThrows(SecurityException.class, () -> ca.nodeOf(chain.get(0)));
        AuthorityComponent again = authority();
        assertEquals(ca.caHash(), again.caHash(), "the CA survives a restart");
        assertThrows(SecurityException.class, () -> again.nodeOf(chain.get(0)));
        IssuedJoinToken fresh = again.createJoinToken(null, 2, "");
        SecurityException back = assertThrows(SecurityException.class,
                () -> again.join(fresh.token(), "n1", kp.getPublic(), proof(kp, fresh.info().id(), "n1")));
        assertTrue(back.getMessage().contains("revoked"), back.getMessage());
        assertThrows(NotFoundException.class, () -> again.revokeJoinToken("nope"));
        again.revokeJoinToken(fresh.info().id());
        assertThrows(SecurityException.class, () -> again.join(fresh.token(), "n4", kp.getPublic(),
                proof(kp, fresh.info().id(), "n4")));
        assertFalse(Files.readString(data.resolve("security/authority.json")).contains(t.token().split("\\.")[2]),
                "join tokens are stored hashed");
    }

    @Test
    void aNodeRenewsWithAFreshKeyUntilItIsRevoked() throws Exception {
        AuthorityComponent ca = authority();
        IssuedJoinToken t = ca.createJoinToken(null, 1, "");
        KeyPair first = ec();
        List<X509Certificate> old = ca.join(t.token(), "n1", first.getPublic(), proof(first, t.info().id(), "n1"));
        KeyPair next = ec();
        // the proof must be the new key's, made for a renewal (a join token's proof is not one)
        assertThrows(SecurityException.class, () -> ca.renew("n1", next.getPublic(), proof(first, "renew", "n1")));
        assertThrows(SecurityException.class, () -> ca.renew("n1", next.getPublic(), proof(next, t.info().id(), "n1")));
        List<X509Certificate> renewed = ca.renew("n1", next.getPublic(), proof(next, "renew", "n1"));
        assertEquals(next.getPublic(), renewed.get(0).getPublicKey());
        assertEquals("n1", ca.nodeOf(renewed.get(0)));
        assertEquals("n1", ca.nodeOf(old.get(0)), "the old certificate lasts until it expires");
        assertEquals(2, ca.certificates().stream().filter(c -> c.nodeId().equals("n1")).count());
        // revoking the node ends both, and a revoked node cannot renew
        ca.revokeNode("n1");
        assertThrows(SecurityException.class, () -> ca.nodeOf(renewed.get(0)));
        assertThrows(SecurityException.class, () -> ca.nodeOf(old.get(0)));
        KeyPair third = ec();
        SecurityException refused = assertThrows(SecurityException.class,
                () -> ca.renew("n1", third.getPublic(), proof(third, "renew", "n1")));
        assertTrue(refused.getMessage().contains("revoked"), refused.getMessage());
    }

    @Test
    void apiTokensAreHashedExpireAndRevoke() throws Exception {
        TokensComponent tokens = new TokensComponent(context());
        assertEquals(1, tokens.list().size(), "the first start makes an admin token");
        assertEquals(Role.ADMIN, tokens.list().get(0).role());
        IssuedToken v = tokens.create("ci", Role.VIEWER, null);
        assertEquals(Role.VIEWER, tokens.authenticate(v.token()).orElseThrow().role());
        assertTrue(tokens.authenticate(v.token() + "x").isEmpty());
        String t = v.token();
        char last = t.charAt(t.length() - 1);
        assertTrue(tokens.authenticate(t.substring(0, t.length() - 1) + (last == 'A' ? 'B' : 'A')).isEmpty(),
                "one character of the secret changed");
        assertThrows(io.orchion.api.InvalidArgumentException.class, () -> tokens.create("ci", Role.ADMIN, null));
        assertThrows(io.orchion.api.InvalidArgumentException.class, () -> tokens.create("bad name", Role.ADMIN, null));
        IssuedToken brief = tokens.create("brief", Role.OPERATOR, Duration.ofMillis(1));
        Thread.sleep(5);
        assertTrue(tokens.authenticate(brief.token()).isEmpty(), "expired");
        String file = Files.readString(data.resolve("security/tokens.json"));
        assertFalse(file.contains(v.token().split("\\.")[2]), "stored hashed");
        TokensComponent reopened = new TokensComponent(context());
        assertTrue(reopened.authenticate(v.token()).isPresent(), "tokens survive a restart");
        assertEquals(3, reopened.list().size(), "no second admin token on a restart");
        reopened.revoke("ci");
        assertTrue(reopened.authenticate(v.token()).isEmpty());
        assertTrue(new TokensComponent(context()).authenticate(v.token()).isEmpty(), "revocation persists");
    }

    @Test
    void theAuditLogRotatesAndQueriesNewestFirst() throws Exception {
        AuditComponent audit = new AuditComponent(context(), config(AuditComponent.Config.class,
                Map.of("max_file_bytes", 4096L, "max_files", 2)));
        for (int i = 0; i < 200; i++) {
            audit.record(new AuditEvent(Instant.ofEpochMilli(1_000_000L + i), i % 2 == 0 ? "token:a" : "shell:root",
                    "job.submit", "job-" + i, "rest", "ok", "line\nbreak " + i));
        }
        List<AuditEvent> newest = audit.query(5, null, null, null);
        assertEquals("job-199", newest.get(0).target());
        assertEquals(5, newest.size());
        List<AuditEvent> byA = audit.query(1000, "token:a", null, null);
        assertFalse(byA.isEmpty(), "token:a's events are found");
        assertTrue(byA.stream().allMatch(e -> e.actor().equals("token:a")));
        assertTrue(Files.exists(data.resolve("audit/audit.1.jsonl")));
        assertFalse(Files.exists(data.resolve("audit/audit.3.jsonl")), "bounded by max.files");
        assertEquals(0, audit.query(10, null, null, Instant.ofEpochMilli(2_000_000L)).size());
        audit.deactivate();
    }

    @Test
    void aQueryDuringWritesAndRotationsSeesWholeEventsNewestFirst() throws Exception {
        // tiny files: a rotation every few events while queries read without the writers' lock
        AuditComponent audit = new AuditComponent(context(), config(AuditComponent.Config.class,
                Map.of("max_file_bytes", 4096L, "max_files", 3)));
        int total = 3000;
        Thread writer = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                audit.record(new AuditEvent(Instant.ofEpochMilli(1_000_000L + i), "token:w", "job.submit", "j" + i,
                        "rest", "ok", "x".repeat(i % 50)));
            }
        });
        writer.start();
        int queries = 0;
        try {
            while (writer.isAlive() && queries < 10_000) {
                List<AuditEvent> seen = audit.query(200, null, null, null);
                queries++;
                for (int k = 1; k < seen.size(); k++) {
                    long newer = seen.get(k - 1).at().toEpochMilli();
                    long older = seen.get(k).at().toEpochMilli();
                    assertTrue(newer > older, "newest first, each once: " + newer + " then " + older);
                }
                for (AuditEvent e : seen) {
                    assertEquals("j" + (e.at().toEpochMilli() - 1_000_000L), e.target(), "a whole event");
                }
            }
        } finally {
            writer.join(60_000);
        }
        assertTrue(queries > 0);
        List<AuditEvent> last = audit.query(5, null, null, null);
        assertEquals("j" + (total - 1), last.get(0).target(), "the newest event after the writes");
        audit.deactivate();
    }
}
