package io.orchion.security.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.security.CertificateAuthority;

/**
 * The orchestrator's TLS identity, made anew at every start: a server certificate signed by the CA
 * for the names and addresses the host has now (plus the configured extras), the key manager that
 * gRPC and HTTPS present, and the trust manager that accepts only the CA's node certificates.
 */
final class ServerIdentity {
    private static final Logger LOG = LoggerFactory.getLogger(ServerIdentity.class);
    private static final char[] NO_PASSWORD = new char[0];

    private final CaFiles.Ca ca;
    private final PrivateKey key;
    private final X509Certificate cert;
    private final X509ExtendedKeyManager keys;
    private final X509ExtendedTrustManager clientTrust;

    private ServerIdentity(CaFiles.Ca ca, PrivateKey key, X509Certificate cert) throws GeneralSecurityException, IOException {
        this.ca = ca;
        this.key = key;
        this.cert = cert;
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore(NO_PASSWORD), NO_PASSWORD);
        this.keys = first(kmf.getKeyManagers(), X509ExtendedKeyManager.class);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        this.clientTrust = first(tmf.getTrustManagers(), X509ExtendedTrustManager.class);
    }

    /**
     * A fresh server certificate for {@link CertificateAuthority#SERVER_NAME}, localhost, {@code host},
     * every address of the host and each of {@code extras} (names or address literals; the wildcard
     * binds 0.0.0.0 and :: are left out).
     */
    static ServerIdentity create(CaFiles.Ca ca, String host, Collection<String> extras)
            throws IOException, GeneralSecurityException {
        KeyPair server = Certs.newKeyPair();
        Set<String> dns = new LinkedHashSet<>(List.of(CertificateAuthority.SERVER_NAME, "localhost"));
        Set<InetAddress> ips = new LinkedHashSet<>();
        if (!host.isBlank()) {
            dns.add(host);
        }
        addresses(ips);
        for (String extra : extras) {
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
        X509Certificate cert = Certs.server(ca.cert(), ca.key(), server.getPublic(), dns, ips, Duration.ofDays(825));
        LOG.info("security: server certificate for {} {}", dns, ips.stream().map(InetAddress::getHostAddress).toList());
        return new ServerIdentity(ca, server.getPrivate(), cert);
    }

    X509ExtendedKeyManager keys() {
        return keys;
    }

    X509ExtendedTrustManager clientTrust() {
        return clientTrust;
    }

    /** Writes the key and chain as a PKCS#12 key store (owner-only) for the HTTPS listener. */
    void writeKeyStore(Path path, char[] password) throws IOException, GeneralSecurityException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream o = out) {
            keyStore(password).store(o, password);
        }
        SecureFiles.write(path, out.toByteArray());
    }

    private KeyStore keyStore(char[] password) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", key, password, new Certificate[] { cert, ca.cert() });
        return ks;
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

    private static <T> T first(Object[] managers, Class<T> type) {
        for (Object m : managers) {
            if (type.isInstance(m)) {
                return type.cast(m);
            }
        }
        throw new IllegalStateException("no " + type.getSimpleName());
    }
}
