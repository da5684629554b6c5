package io.orchion.security.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates through Bouncy Castle's builders (the JDK has no public API to make one). Keys
 * are EC P-256, made and used by the JDK's own provider: Bouncy Castle only assembles and
 * signs the certificate structure, so no provider is registered.
 */
final class Certs {
    static final String NODE_ORG = "orchion-node";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Certs() {
    }

    static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    static X509Certificate selfSignedCa(KeyPair kp, String name, Duration validity) throws GeneralSecurityException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Orchion").addRDN(BCStyle.CN, name)
                .build();
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, kp.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            return sign(b, kp.getPrivate());
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** The orchestrator's server certificate: {@code orchestrator.orchion} plus the given names and addresses. */
    static X509Certificate server(X509Certificate ca, PrivateKey caKey, PublicKey key, Collection<String> dnsNames,
            Collection<InetAddress> addresses, Duration validity) throws GeneralSecurityException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Orchion")
                .addRDN(BCStyle.CN, io.orchion.api.security.CertificateAuthority.SERVER_NAME).build();
        List<GeneralName> names = new ArrayList<>();
        for (String d : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, d));
        }
        for (InetAddress a : addresses) {
            names.add(new GeneralName(GeneralName.iPAddress, a.getHostAddress().replaceAll("%.*$", "")));
        }
        return leaf(ca, caKey, subject, key, validity, KeyPurposeId.id_kp_serverAuth,
                new GeneralNames(names.toArray(GeneralName[]::new)));
    }

    /** A node's client certificate: CN is the node id, EKU client authentication only. */
    static X509Certificate node(X509Certificate ca, PrivateKey caKey, String nodeId, PublicKey key, Duration validity)
            throws GeneralSecurityException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, NODE_ORG).addRDN(BCStyle.CN, nodeId)
                .build();
        return leaf(ca, caKey, subject, key, validity, KeyPurposeId.id_kp_clientAuth, null);
    }

    private static X509Certificate leaf(X509Certificate ca, PrivateKey caKey, X500Name subject, PublicKey key,
            Duration validity, KeyPurposeId purpose, GeneralNames san) throws GeneralSecurityException {
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
            if (san != null) {
                b.addExtension(Extension.subjectAlternativeName, false, san);
            }
            return sign(b, caKey);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    static String pem(X509Certificate c) throws GeneralSecurityException {
        return pem("CERTIFICATE", c.getEncoded());
    }

    static String pem(String type, byte[] der) {
        return io.orchion.api.security.Pem.encode(type, der);
    }

    static byte[] unpem(String text, String type) {
        return io.orchion.api.security.Pem.decode(text, type);
    }

    static X509Certificate certificate(byte[] der) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    static PrivateKey privateKey(byte[] pkcs8) throws GeneralSecurityException {
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    static String sha256(byte[] data) {
        return io.orchion.api.security.CertificateAuthority.sha256(data);
    }
}
