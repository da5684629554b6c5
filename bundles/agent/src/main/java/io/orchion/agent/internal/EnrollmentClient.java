package io.orchion.agent.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.proto.v1.EnrollmentGrpc;
import io.orchion.proto.v1.JoinRequest;
import io.orchion.proto.v1.JoinResponse;
import io.orchion.proto.v1.RenewRequest;

/**
 * The orchestrator's {@code Enrollment} service as the agent calls it: a node certificate for a
 * key made on the node, got by joining with a join token or by renewing with the current
 * certificate. Each call opens its own channel and closes it; nothing is written to disk here
 * ({@link CredentialFiles} does that). The answer is checked to fit the request (the pinned CA,
 * the key sent, the node's id) before it is returned.
 */
final class EnrollmentClient {
    private static final long DEADLINE_SECONDS = 20;

    private final String host;
    private final int port;

    EnrollmentClient(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /**
     * Joins over TLS without a client certificate. The server must present a certificate for
     * {@link CertificateAuthority#SERVER_NAME} signed by the CA whose hash the token carries
     * ({@link PinnedCa}), else the token is not sent.
     *
     * @param key the node's new key pair; only its public key and a signature by it are sent
     * @throws Credentials.Refused when the token is malformed, the server is not the token's
     *                             orchestrator, or the orchestrator refuses the join
     * @throws IOException         when the orchestrator cannot be reached, or answers with a
     *                             certificate that does not fit
     */
    Credentials join(String token, String nodeId, String name, KeyPair key) throws IOException {
        String[] parts = CertificateAuthority.joinTokenParts(token);
        if (parts == null) {
            throw new Credentials.Refused(
                    "the join token is malformed (expected ojt1.ID.SECRET.CAHASH, from orchion:jointoken create)");
        }
        PinnedCa pinned = new PinnedCa(parts[3]);
        ManagedChannel ch = channel(TlsChannelCredentials.newBuilder().trustManager(pinned).build());
        try {
            JoinResponse r = EnrollmentGrpc.newBlockingStub(ch).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .join(JoinRequest.newBuilder().setToken(token.trim()).setNodeId(nodeId).setName(name)
                            .setPublicKey(ByteString.copyFrom(key.getPublic().getEncoded()))
                            .setProof(proof(key, parts[1], nodeId)).build());
            List<X509Certificate> chain = chain(r);
            if (chain.size() < 2 || !PinnedCa.hash(chain.get(chain.size() - 1)).equals(parts[3])
                    || !chain.get(0).getPublicKey().equals(key.getPublic())) {
                throw new IOException("the orchestrator answered with a certificate that does not fit the request");
            }
            return new Credentials(key.getPrivate(), chain);
        } catch (StatusRuntimeException e) {
            Status s = e.getStatus();
            if (s.getCode() == Status.Code.PERMISSION_DENIED || s.getCode() == Status.Code.INVALID_ARGUMENT) {
                throw new Credentials.Refused("the orchestrator refused to join this node: " + s.getDescription());
            }
            if (pinned.mismatch() != null) {
                throw new Credentials.Refused(pinned.mismatch());
            }
            throw new IOException("cannot join through " + host + ":" + port + ": " + describe(s), e);
        } finally {
            ch.shutdownNow();
        }
    }

    /**
     * A certificate for a new key, asked for over mutual TLS with the current (still valid)
     * credentials. The answer must come from the same CA, for the new key and the same node.
     *
     * @throws Credentials.Refused when the orchestrator refuses (the node was revoked)
     * @throws IOException         when the orchestrator cannot be reached, or answers with a
     *                             certificate that does not fit
     */
    Credentials renew(Credentials current, KeyPair key) throws IOException {
        ManagedChannel ch = channel(current.channelCredentials());
        try {
            JoinResponse r = EnrollmentGrpc.newBlockingStub(ch).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .renew(RenewRequest.newBuilder().setPublicKey(ByteString.copyFrom(key.getPublic().getEncoded()))
                            .setProof(proof(key, CertificateAuthority.RENEW, current.nodeId())).build());
            List<X509Certificate> next = chain(r);
            if (next.size() < 2 || !PinnedCa.hash(next.get(next.size() - 1)).equals(PinnedCa.hash(current.ca()))
                    || !next.get(0).getPublicKey().equals(key.getPublic())
                    || !Credentials.commonName(next.get(0)).equals(current.nodeId())) {
                throw new IOException("the orchestrator answered the renewal with a certificate that does not fit it");
            }
            return new Credentials(key.getPrivate(), next);
        } catch (StatusRuntimeException e) {
            Status st = e.getStatus();
            if (st.getCode() == Status.Code.PERMISSION_DENIED) {
                throw new Credentials.Refused("the orchestrator refused to renew this node's certificate: "
                        + st.getDescription());
            }
            throw new IOException("cannot renew through " + host + ":" + port + ": " + describe(st), e);
        } finally {
            ch.shutdownNow();
        }
    }

    /** A channel to the orchestrator, which must present a certificate for {@link CertificateAuthority#SERVER_NAME}. */
    private ManagedChannel channel(ChannelCredentials credentials) throws IOException {
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
}
