package io.orchion.control.internal;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.ByteString;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.orchion.api.security.CertificateAuthority;
import io.orchion.proto.v1.EnrollmentGrpc;
import io.orchion.proto.v1.JoinRequest;
import io.orchion.proto.v1.JoinResponse;
import io.orchion.proto.v1.RenewRequest;

/**
 * Joining: a join token and a public key in, a node certificate out. Renewing: the node's current
 * certificate (checked by {@link AuthInterceptor}) and a fresh public key in, a new certificate out.
 */
final class EnrollmentService extends EnrollmentGrpc.EnrollmentImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentService.class);
    private final CertificateAuthority ca;

    EnrollmentService(CertificateAuthority ca) {
        this.ca = ca;
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
        PublicKey key = key(request.getPublicKey(), out);
        if (key == null) {
            return;
        }
        List<X509Certificate> chain;
        try {
            chain = ca.join(request.getToken(), request.getNodeId(), key, request.getProof().toByteArray());
        } catch (SecurityException e) {
            LOG.warn("control: refused to join node {} from {}: {}", clip(request.getNodeId()), OrchestratorService.peer(),
                    e.getMessage());
            out.onError(Status.PERMISSION_DENIED.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        if (answer(request.getNodeId(), chain, out)) {
            LOG.info("control: node {} ({}) joined from {}", request.getNodeId(), clip(request.getName()),
                    OrchestratorService.peer());
        }
    }

    @Override
    public void renew(RenewRequest request, StreamObserver<JoinResponse> out) {
        String node = AuthInterceptor.NODE.get();
        if (node == null) {
            // the interceptor lets no call without a node certificate this far; say so if one ever came
            out.onError(Status.UNAUTHENTICATED.withDescription("renewing needs the node's certificate").asRuntimeException());
            return;
        }
        PublicKey key = key(request.getPublicKey(), out);
        if (key == null) {
            return;
        }
        List<X509Certificate> chain;
        try {
            chain = ca.renew(node, key, request.getProof().toByteArray());
        } catch (SecurityException e) {
            LOG.warn("control: refused to renew the certificate of node {}: {}", node, e.getMessage());
            out.onError(Status.PERMISSION_DENIED.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        if (answer(node, chain, out)) {
            LOG.info("control: node {} renewed its certificate (until {})", node, chain.get(0).getNotAfter().toInstant());
        }
    }

    private static PublicKey key(ByteString der, StreamObserver<JoinResponse> out) {
        try {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der.toByteArray()));
        } catch (GeneralSecurityException | RuntimeException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("public_key: not an EC public key (X.509 DER)")
                    .asRuntimeException());
            return null;
        }
    }

    private static boolean answer(String nodeId, List<X509Certificate> chain, StreamObserver<JoinResponse> out) {
        JoinResponse.Builder b = JoinResponse.newBuilder().setNodeId(nodeId);
        try {
            for (X509Certificate c : chain) {
                b.addCertificateChain(ByteString.copyFrom(c.getEncoded()));
            }
        } catch (CertificateEncodingException e) {
            out.onError(Status.INTERNAL.withDescription("cannot encode the certificate").asRuntimeException());
            return false;
        }
        out.onNext(b.build());
        out.onCompleted();
        return true;
    }

    private static String clip(String s) {
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 64 ? t.substring(0, 64) + "..." : t;
    }
}
