package io.orchion.agent.internal;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

import io.orchion.api.security.CertificateAuthority;

/**
 * The joining agent's trust in the orchestrator, before it has a certificate of its own: a server
 * chain is trusted only if it contains the CA whose hash the join token carries, and then as the
 * JDK's standard PKIX check trusting only that CA does (signature, validity, key usage for a TLS
 * server), and its first certificate names {@link CertificateAuthority#SERVER_NAME}. What failed is
 * kept in {@link #mismatch()}, so a refused handshake can be reported as the reason it was refused.
 */
final class PinnedCa extends X509ExtendedTrustManager {
    private final String hash;
    private volatile String mismatch;

    /** @param hash the CA's hash, as {@link #hash} writes it (the join token's last part) */
    PinnedCa(String hash) {
        this.hash = hash;
    }

    /** Why the last server was not trusted; null while none was refused. */
    String mismatch() {
        return mismatch;
    }

    /** The hash a join token pins a CA by: SHA-256 of its DER encoding. */
    static String hash(X509Certificate c) {
        try {
            return CertificateAuthority.sha256(c.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JDK's PKIX trust managers, trusting {@code ca} alone. */
    static TrustManager[] trusting(X509Certificate ca) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        return tmf.getTrustManagers();
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
            for (TrustManager tm : trusting(ca)) {
                if (tm instanceof X509TrustManager pkix) {
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
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
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
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
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
