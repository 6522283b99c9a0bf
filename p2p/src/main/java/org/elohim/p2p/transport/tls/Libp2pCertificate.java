package org.elohim.p2p.transport.tls;

import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.KeyFormatException;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.peer.PublicKeyInfo;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * libp2p TLS ({@code tls/tls.md}): a self-signed certificate on a fresh ECDSA P-256 key, carrying the host's
 * identity in the libp2p Public Key Extension ({@code SignedKey{publicKey, signature}}, the signature by the
 * identity key over {@code "libp2p-tls-handshake:" || SubjectPublicKeyInfo}). Verification parses the DER here
 * because peers' certificates (rust-libp2p's) have an empty issuer the JDK's parser rejects.
 */
public final class Libp2pCertificate {

    public static final String EXTENSION_OID = "1.3.6.1.4.1.53594.1.1";
    static final byte[] SIGNATURE_PREFIX = "libp2p-tls-handshake:".getBytes(StandardCharsets.US_ASCII);
    private static final String EC_KEY = "1.2.840.10045.2.1";
    private static final String ED25519 = "1.3.101.112";
    private static final String ECDSA_SHA256 = "1.2.840.10045.4.3.2";
    private static final String ECDSA_SHA384 = "1.2.840.10045.4.3.3";
    private static final String COMMON_NAME = "2.5.4.3";

    /** Our certificate and its key, for a TLS context. */
    public record Credentials(PrivateKey privateKey, X509Certificate certificate, byte[] der) {
    }

    /** What a verified certificate proves: the peer's identity. */
    public record VerifiedPeer(PeerId peerId, byte[] marshalledPublicKey) {
    }

    private Libp2pCertificate() {
    }

    /** A certificate for {@code identity}, valid from an hour ago for a year. */
    public static Credentials generate(IdentityKey identity) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            byte[] spki = kp.getPublic().getEncoded();
            byte[] signedKey = Der.seq(Der.octets(identity.marshalPublicKey()),
                    Der.octets(identity.sign(concat(SIGNATURE_PREFIX, spki))));
            byte[] extension = Der.seq(Der.oid(EXTENSION_OID), Der.tlv(Der.BOOLEAN, new byte[] {(byte) 0xff}),
                    Der.octets(signedKey));
            byte[] name = Der.seq(Der.tlv(Der.SET, Der.seq(Der.oid(COMMON_NAME),
                    Der.tlv(Der.UTF8_STRING, identity.peerId().toString().getBytes(StandardCharsets.UTF_8)))));
            byte[] serial = new byte[8];
            new SecureRandom().nextBytes(serial);
            serial[0] &= 0x7f;
            Instant now = Instant.now();
            byte[] algorithm = Der.seq(Der.oid(ECDSA_SHA256));
            byte[] tbs = Der.seq(
                    Der.tlv(0xa0, Der.integer(BigInteger.TWO)),
                    Der.integer(new BigInteger(1, serial).max(BigInteger.ONE)),
                    algorithm,
                    name,
                    Der.seq(time(now.minusSeconds(3600)), time(now.plusSeconds(365L * 24 * 3600))),
                    name,
                    spki,
                    Der.tlv(0xa3, Der.seq(extension)));
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(kp.getPrivate());
            s.update(tbs);
            byte[] der = Der.seq(tbs, algorithm, Der.bits(s.sign()));
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            return new Credentials(kp.getPrivate(), cert, der);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the libp2p TLS certificate", e);
        }
    }

    /**
     * Checks a peer's certificate: well-formed DER, valid at {@code now}, correctly self-signed, no unknown
     * critical extension, exactly one libp2p extension whose signature by the identity key covers this
     * certificate's key. Returns the identity it proves.
     */
    public static VerifiedPeer verify(byte[] der, Instant now) {
        Der.Tlv cert = Der.parse(der).expect(Der.SEQUENCE);
        List<Der.Tlv> top = cert.children();
        if (top.size() != 3) {
            throw new CertificateFormatException("certificate must have 3 parts, has " + top.size());
        }
        Der.Tlv tbs = top.get(0).expect(Der.SEQUENCE);
        String outerAlg = algorithmOid(top.get(1));
        byte[] signature = Der.bitString(top.get(2));

        List<Der.Tlv> f = tbs.children();
        int i = 0;
        if (!f.isEmpty() && f.get(0).tag() == 0xa0) {
            i++;
        }
        if (f.size() < i + 6) {
            throw new CertificateFormatException("TBSCertificate too short");
        }
        f.get(i).expect(Der.INTEGER);
        if (!algorithmOid(f.get(i + 1)).equals(outerAlg)) {
            throw new CertificateFormatException("signature algorithms of certificate and TBSCertificate differ");
        }
        f.get(i + 2).expect(Der.SEQUENCE);
        checkValidity(f.get(i + 3).expect(Der.SEQUENCE), now);
        f.get(i + 4).expect(Der.SEQUENCE);
        Der.Tlv spki = f.get(i + 5).expect(Der.SEQUENCE);
        PublicKey certKey = publicKey(spki);
        verifySelfSignature(outerAlg, certKey, tbs.encoded(), signature);

        byte[] signedKey = null;
        for (int k = i + 6; k < f.size(); k++) {
            if (f.get(k).tag() != 0xa3) {
                continue;
            }
            List<Der.Tlv> wrapped = f.get(k).children();
            if (wrapped.size() != 1) {
                throw new CertificateFormatException("bad extensions wrapper");
            }
            for (Der.Tlv ext : wrapped.get(0).expect(Der.SEQUENCE).children()) {
                List<Der.Tlv> parts = ext.expect(Der.SEQUENCE).children();
                if (parts.size() < 2 || parts.size() > 3) {
                    throw new CertificateFormatException("bad extension");
                }
                String oid = Der.oid(parts.get(0));
                boolean critical = parts.size() == 3 && Der.bool(parts.get(1));
                byte[] value = parts.get(parts.size() - 1).expect(Der.OCTET_STRING).value();
                if (oid.equals(EXTENSION_OID)) {
                    if (signedKey != null) {
                        throw new CertificateFormatException("libp2p extension appears twice");
                    }
                    signedKey = value;
                } else if (critical) {
                    throw new CertificateFormatException("unknown critical extension " + oid);
                }
            }
        }
        if (signedKey == null) {
            throw new CertificateFormatException("certificate lacks the libp2p public key extension");
        }
        List<Der.Tlv> sk = Der.parse(signedKey).expect(Der.SEQUENCE).children();
        if (sk.size() != 2) {
            throw new CertificateFormatException("SignedKey must have 2 fields");
        }
        byte[] marshalled = sk.get(0).expect(Der.OCTET_STRING).value();
        byte[] identitySig = sk.get(1).expect(Der.OCTET_STRING).value();
        PublicKeyInfo identity;
        try {
            identity = PublicKeyInfo.unmarshal(marshalled);
        } catch (KeyFormatException e) {
            throw new CertificateFormatException("bad identity key in libp2p extension: " + e.getMessage(), e);
        }
        if (!identity.verify(concat(SIGNATURE_PREFIX, spki.encoded()), identitySig)) {
            throw new CertificateFormatException("libp2p extension signature does not verify (or key type unsupported)");
        }
        return new VerifiedPeer(identity.toPeerId(), identity.marshal());
    }

    /** The OID of an AlgorithmIdentifier {@code SEQUENCE {OID, params?}}. */
    private static String algorithmOid(Der.Tlv t) {
        List<Der.Tlv> parts = t.expect(Der.SEQUENCE).children();
        if (parts.isEmpty() || parts.size() > 2) {
            throw new CertificateFormatException("bad AlgorithmIdentifier");
        }
        return Der.oid(parts.get(0));
    }

    private static PublicKey publicKey(Der.Tlv spki) {
        List<Der.Tlv> parts = spki.children();
        if (parts.size() != 2) {
            throw new CertificateFormatException("bad SubjectPublicKeyInfo");
        }
        String alg = algorithmOid(parts.get(0));
        String family = switch (alg) {
            case EC_KEY -> "EC";
            case ED25519 -> "Ed25519";
            default -> throw new CertificateFormatException("unsupported certificate key algorithm " + alg);
        };
        try {
            return KeyFactory.getInstance(family).generatePublic(new X509EncodedKeySpec(spki.encoded()));
        } catch (GeneralSecurityException e) {
            throw new CertificateFormatException("bad certificate public key: " + e.getMessage(), e);
        }
    }

    private static void verifySelfSignature(String alg, PublicKey key, byte[] tbs, byte[] signature) {
        String jca = switch (alg) {
            case ECDSA_SHA256 -> "SHA256withECDSA";
            case ECDSA_SHA384 -> "SHA384withECDSA";
            case ED25519 -> "Ed25519";
            default -> throw new CertificateFormatException("unsupported certificate signature algorithm " + alg);
        };
        try {
            Signature s = Signature.getInstance(jca);
            s.initVerify(key);
            s.update(tbs);
            if (!s.verify(signature)) {
                throw new CertificateFormatException("certificate self-signature does not verify");
            }
        } catch (GeneralSecurityException e) {
            throw new CertificateFormatException("certificate self-signature check failed: " + e.getMessage(), e);
        }
    }

    private static void checkValidity(Der.Tlv validity, Instant now) {
        List<Der.Tlv> v = validity.children();
        if (v.size() != 2) {
            throw new CertificateFormatException("bad validity");
        }
        Instant notBefore = parseTime(v.get(0));
        Instant notAfter = parseTime(v.get(1));
        if (now.isBefore(notBefore) || now.isAfter(notAfter)) {
            throw new CertificateFormatException("certificate not valid at " + now + " (" + notBefore + " .. " + notAfter + ")");
        }
    }

    static Instant parseTime(Der.Tlv t) {
        String s = new String(t.value(), StandardCharsets.US_ASCII);
        try {
            if (t.tag() == Der.UTC_TIME && s.length() == 13 && s.endsWith("Z")) {
                int yy = Integer.parseInt(s.substring(0, 2));
                return parseFull((yy >= 50 ? "19" : "20") + s);
            }
            if (t.tag() == Der.GENERALIZED_TIME && s.length() == 15 && s.endsWith("Z")) {
                return parseFull(s);
            }
        } catch (RuntimeException e) {
            throw new CertificateFormatException("bad certificate time " + s, e);
        }
        throw new CertificateFormatException("bad certificate time (tag 0x" + Integer.toHexString(t.tag()) + ")");
    }

    private static Instant parseFull(String yyyyMMddHHmmssZ) {
        return java.time.LocalDateTime.parse(yyyyMMddHHmmssZ.substring(0, 14), DateTimeFormatter.ofPattern("yyyyMMddHHmmss"))
                .toInstant(ZoneOffset.UTC);
    }

    private static byte[] time(Instant t) {
        String s = DateTimeFormatter.ofPattern("yyMMddHHmmss").withZone(ZoneOffset.UTC).format(t) + "Z";
        return Der.tlv(Der.UTC_TIME, s.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
