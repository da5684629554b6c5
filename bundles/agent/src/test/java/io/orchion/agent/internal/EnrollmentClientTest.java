package io.orchion.agent.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLSession;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.proto.v1.EnrollmentGrpc;
import io.orchion.proto.v1.JoinRequest;
import io.orchion.proto.v1.JoinResponse;
import io.orchion.proto.v1.RenewRequest;

/**
 * Joining and renewing over real gRPC and TLS on loopback, against a stand-in for the
 * orchestrator's {@code Enrollment} service that checks the proof as the real one does and answers
 * with certificates keytool made ({@link KeytoolPki}): the keys are made once for all the tests.
 */
class EnrollmentClientTest {
    @TempDir
    static Path dir;
    static KeytoolPki pki;
    static X509Certificate ca;
    static X509Certificate other;
    static X509Certificate server;
    static X509Certificate node;
    static X509Certificate nodeRenewed;
    static X509Certificate stranger;

    final FakeEnrollment enrollment = new FakeEnrollment();
    Server orchestrator;

    @BeforeAll
    static void pki() throws Exception {
        pki = new KeytoolPki(dir);
        ca = pki.ca("ca");
        other = pki.ca("other");
        server = pki.signed("server", "ca", "san=dns:orchestrator.orchion", "eku=serverAuth");
        node = pki.signed("node-1", "ca");
        nodeRenewed = pki.signedAs("node-1-next", "node-1", "ca");
        stranger = pki.signed("stranger", "ca");
    }

    /** The orchestrator's address with its server certificate; with {@code mutual}, only for a client certificate of the CA. */
    EnrollmentClient orchestrator(boolean mutual) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", pki.key("server"), new char[0], new Certificate[] { server, ca });
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder().keyManager(kmf.getKeyManagers());
        if (mutual) {
            tls.trustManager(PinnedCa.trusting(ca)).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
        }
        orchestrator = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), tls.build())
                .addService(ServerInterceptors.intercept(enrollment, enrollment.peer)).build().start();
        return new EnrollmentClient("127.0.0.1", orchestrator.getPort());
    }

    @AfterEach
    void stop() {
        if (orchestrator != null) {
            orchestrator.shutdownNow();
        }
    }

    static String token(X509Certificate pinned) {
        return "ojt1.tok1.s3cret." + PinnedCa.hash(pinned);
    }

    @Test
    void aJoinSendsTheTokenWithAProofOfTheKeyAndReturnsTheIssuedCertificate() throws Exception {
        // given an orchestrator that issues node-1's certificate
        EnrollmentClient client = orchestrator(false);
        enrollment.answer = List.of(node, ca);

        // when the agent joins with a token that pins its CA
        Credentials c = client.join(" " + token(ca) + "\n", "node-1", "attic", pki.keyPair("node-1"));

        // then the orchestrator got the token, the node's id and name, and a proof that verifies
        JoinRequest sent = enrollment.joins.get(0);
        assertEquals(token(ca), sent.getToken());
        assertEquals("node-1", sent.getNodeId());
        assertEquals("attic", sent.getName());
        assertTrue(enrollment.proved.get(0), "the proof verifies with the key sent");
        // and the agent holds its own key with the certificate and the CA
        assertEquals("node-1", c.nodeId());
        assertEquals(ca, c.ca());
        assertArrayEquals(pki.key("node-1").getEncoded(), c.key().getEncoded());
    }

    @Test
    void aServerOfAnotherCaNeverGetsTheTokenAndTheJoinIsRefusedSayingSo() throws Exception {
        // given an orchestrator whose CA is not the one the token pins
        EnrollmentClient client = orchestrator(false);
        enrollment.answer = List.of(node, ca);

        // when the agent joins
        Credentials.Refused e = assertThrows(Credentials.Refused.class,
                () -> client.join(token(other), "node-1", "attic", pki.keyPair("node-1")));

        // then it is refused for the CA, and the token never left the agent
        assertTrue(e.getMessage().contains("CA hash differs"), e.getMessage());
        assertEquals(List.of(), enrollment.joins);
    }

    @Test
    void aJoinTheOrchestratorRefusesIsRefusedForGoodWithItsReason() throws Exception {
        EnrollmentClient client = orchestrator(false);
        enrollment.refusal = Status.PERMISSION_DENIED.withDescription("the join token has expired");
        Credentials.Refused e = assertThrows(Credentials.Refused.class,
                () -> client.join(token(ca), "node-1", "attic", pki.keyPair("node-1")));
        assertEquals("the orchestrator refused to join this node: the join token has expired", e.getMessage());
    }

    @Test
    void aCertificateForAnotherKeyIsNotTaken() throws Exception {
        // given an orchestrator that answers with a certificate for a key the agent did not send
        EnrollmentClient client = orchestrator(false);
        enrollment.answer = List.of(stranger, ca);

        // then the join fails, and is not a refusal (the next attempt may fare better)
        IOException e = assertThrows(IOException.class,
                () -> client.join(token(ca), "node-1", "attic", pki.keyPair("node-1")));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    }

    @Test
    void aMalformedTokenIsRefusedAndAnUnreachableOrchestratorIsAFailureToRetry() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        EnrollmentClient nowhere = new EnrollmentClient("127.0.0.1", closed);
        Credentials.Refused refused = assertThrows(Credentials.Refused.class,
                () -> nowhere.join("ojt1.only-three.parts", "node-1", "attic", pki.keyPair("node-1")));
        assertTrue(refused.getMessage().contains("malformed"), refused.getMessage());
        IOException e = assertThrows(IOException.class,
                () -> nowhere.join(token(ca), "node-1", "attic", pki.keyPair("node-1")));
        assertTrue(e.getMessage().contains("cannot join through 127.0.0.1:" + closed), e.getMessage());
    }

    @Test
    void aRenewalGoesOverMutualTlsWithTheCurrentCertificateAndReturnsTheNewOne() throws Exception {
        // given an orchestrator that takes only client certificates of its CA, and issues a new one
        EnrollmentClient client = orchestrator(true);
        enrollment.answer = List.of(nodeRenewed, ca);
        Credentials current = new Credentials(pki.key("node-1"), List.of(node, ca));

        // when the agent renews with a fresh key
        Credentials next = client.renew(current, pki.keyPair("node-1-next"));

        // then it asked with its current certificate and proved the new key
        assertEquals("node-1", enrollment.clients.get(0));
        assertTrue(enrollment.proved.get(0), "the proof verifies with the new key");
        // and holds the new key with the new certificate, for the same node
        assertEquals("node-1", next.nodeId());
        assertEquals(nodeRenewed, next.chain().get(0));
        assertArrayEquals(pki.key("node-1-next").getEncoded(), next.key().getEncoded());
    }

    @Test
    void aRevokedNodesRenewalIsRefusedAndAnAnswerForAnotherNodeIsNotTaken() throws Exception {
        EnrollmentClient client = orchestrator(true);
        Credentials current = new Credentials(pki.key("node-1"), List.of(node, ca));

        enrollment.refusal = Status.PERMISSION_DENIED.withDescription("node node-1 was revoked");
        Credentials.Refused refused = assertThrows(Credentials.Refused.class,
                () -> client.renew(current, pki.keyPair("node-1-next")));
        assertTrue(refused.getMessage().endsWith("node node-1 was revoked"), refused.getMessage());

        enrollment.refusal = null;
        enrollment.answer = List.of(stranger, ca); // another node's certificate, for another key
        IOException e = assertThrows(IOException.class, () -> client.renew(current, pki.keyPair("stranger")));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    }

    /** The orchestrator's side of enrollment, reduced to what the agent can tell: proofs checked, answers given. */
    static final class FakeEnrollment extends EnrollmentGrpc.EnrollmentImplBase {
        final List<JoinRequest> joins = new CopyOnWriteArrayList<>();
        final List<Boolean> proved = new CopyOnWriteArrayList<>();
        /** The common names of the client certificates renewals came with. */
        final List<String> clients = new CopyOnWriteArrayList<>();
        volatile List<X509Certificate> answer = List.of();
        volatile Status refusal;

        /** The common name of the call's client certificate, if it came with one. */
        private static final Context.Key<String> CLIENT = Context.key("client");
        final ServerInterceptor peer = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                    ServerCallHandler<Q, A> next) {
                SSLSession tls = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                String client = null;
                try {
                    client = tls == null ? null
                            : CertificateAuthority.commonName((X509Certificate) tls.getPeerCertificates()[0]);
                } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
                    // joining: no client certificate
                }
                return Contexts.interceptCall(Context.current().withValue(CLIENT, client), call, headers, next);
            }
        };

        @Override
        public void join(JoinRequest r, StreamObserver<JoinResponse> out) {
            joins.add(r);
            proved.add(verifies(r.getPublicKey(), r.getProof(), CertificateAuthority.joinTokenParts(r.getToken())[1],
                    r.getNodeId()));
            answer(out);
        }

        @Override
        public void renew(RenewRequest r, StreamObserver<JoinResponse> out) {
            String client = CLIENT.get();
            clients.add(client);
            proved.add(verifies(r.getPublicKey(), r.getProof(), CertificateAuthority.RENEW, client));
            answer(out);
        }

        private void answer(StreamObserver<JoinResponse> out) {
            if (refusal != null) {
                out.onError(refusal.asRuntimeException());
                return;
            }
            JoinResponse.Builder b = JoinResponse.newBuilder();
            try {
                for (X509Certificate c : answer) {
                    b.addCertificateChain(ByteString.copyFrom(c.getEncoded()));
                }
            } catch (java.security.cert.CertificateEncodingException e) {
                out.onError(Status.INTERNAL.withCause(e).asRuntimeException());
                return;
            }
            out.onNext(b.build());
            out.onCompleted();
        }

        private static boolean verifies(ByteString key, ByteString proof, String tokenId, String nodeId) {
            try {
                PublicKey k = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(key.toByteArray()));
                Signature s = Signature.getInstance("SHA256withECDSA");
                s.initVerify(k);
                s.update(CertificateAuthority.proofPayload(tokenId, nodeId, k));
                return s.verify(proof.toByteArray());
            } catch (java.security.GeneralSecurityException e) {
                return false;
            }
        }
    }
}
