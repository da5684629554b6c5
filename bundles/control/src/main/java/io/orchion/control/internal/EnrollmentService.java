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

/** Joining: a join token and a public key in, a node certificate out. */
final class EnrollmentService extends EnrollmentGrpc.EnrollmentImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentService.class);
    private final CertificateAuthority ca;

    EnrollmentService(CertificateAuthority ca) {
        this.ca = ca;
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
        PublicKey key;
        try {
            key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(request.getPublicKey().toByteArray()));
        } catch (GeneralSecurityException | RuntimeException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("public_key: not an EC public key (X.509 DER)")
                    .asRuntimeException());
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
        JoinResponse.Builder b = JoinResponse.newBuilder().setNodeId(request.getNodeId());
        try {
            for (X509Certificate c : chain) {
                b.addCertificateChain(ByteString.copyFrom(c.getEncoded()));
            }
        } catch (CertificateEncodingException e) {
            out.onError(Status.INTERNAL.withDescription("cannot encode the certificate").asRuntimeException());
            return;
        }
        LOG.info("control: node {} ({}) joined from {}", request.getNodeId(), clip(request.getName()),
                OrchestratorService.peer());
        out.onNext(b.build());
        out.onCompleted();
    }

    private static String clip(String s) {
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 64 ? t.substring(0, 64) + "..." : t;
    }
}
