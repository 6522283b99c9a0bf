package org.elohim.p2p.transport.tls;

import org.elohim.p2p.peer.IdentityKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** libp2p TLS certificates: ours verify, peers' shapes (rust's empty issuer) verify, forgeries and junk do not. */
class Libp2pCertificateTest {

    private static final IdentityKey ID = IdentityKey.fromSeed(new byte[32]);

    @Test
    void ourCertificateVerifiesToOurIdentity() throws Exception {
        Libp2pCertificate.Credentials c = Libp2pCertificate.generate(ID);
        Libp2pCertificate.VerifiedPeer p = Libp2pCertificate.verify(c.der(), Instant.now());
        assertThat(p.peerId()).isEqualTo(ID.peerId());
        assertThat(p.marshalledPublicKey()).isEqualTo(ID.marshalPublicKey());
        assertThat(c.certificate().getEncoded()).isEqualTo(c.der());
        assertThat(c.certificate().getCriticalExtensionOIDs()).containsExactly(Libp2pCertificate.EXTENSION_OID);
    }

    @Test
    void rustShapedCertificateWithEmptyIssuerAndGeneralizedTimeVerifies() throws Exception {
        byte[] der = new Builder().emptyNames().build();
        assertThat(Libp2pCertificate.verify(der, Instant.now()).peerId()).isEqualTo(ID.peerId());
    }

    @Test
    void expiredOrNotYetValidIsRefused() throws Exception {
        byte[] der = new Builder().build();
        assertThatThrownBy(() -> Libp2pCertificate.verify(der, Instant.parse("4097-01-01T00:00:00Z")))
                .isInstanceOf(CertificateFormatException.class).hasMessageContaining("not valid");
        assertThatThrownBy(() -> Libp2pCertificate.verify(der, Instant.parse("1970-01-01T00:00:00Z")))
                .isInstanceOf(CertificateFormatException.class).hasMessageContaining("not valid");
    }

    @Test
    void identitySignatureOverAnotherKeyIsRefused() throws Exception {
        Builder b = new Builder();
        b.signedSpki = otherKey().getPublic().getEncoded(); // signature made for a different certificate key
        assertThatThrownBy(() -> Libp2pCertificate.verify(b.build(), Instant.now()))
                .isInstanceOf(CertificateFormatException.class).hasMessageContaining("signature does not verify");
    }

    @Test
    void brokenSelfSignatureIsRefused() throws Exception {
        Builder b = new Builder();
        b.signer = otherKey();
        assertThatThrownBy(() -> Libp2pCertificate.verify(b.build(), Instant.now()))
                .isInstanceOf(CertificateFormatException.class).hasMessageContaining("self-signature");
    }

    @Test
    void unknownCriticalExtensionIsRefusedAndNonCriticalIgnored() throws Exception {
        Builder crit = new Builder();
        crit.extra.add(Der.seq(Der.oid("1.2.3.4"), Der.tlv(Der.BOOLEAN, new byte[] {(byte) 0xff}), Der.octets(new byte[] {5})));
        assertThatThrownBy(() -> Libp2pCertificate.verify(crit.build(), Instant.now()))
                .isInstanceOf(CertificateFormatException.class).hasMessageContaining("unknown critical extension");
        Builder plain = new Builder();
        plain.extra.add(Der.seq(Der.oid("1.2.3.4"), Der.octets(new byte[] {5})));
        assertThat(Libp2pCertificate.verify(plain.build(), Instant.now()).peerId()).isEqualTo(ID.peerId());
    }

    @Test
    void missingOrDuplicatedExtensionIsRefused() throws Exception {
        Builder none = new Builder();
        none.withLibp2p = false;
        assertThatThrownBy(() -> Libp2pCertificate.verify(none.build(), Instant.now()))
                .isInstanceOf(CertificateFormatException.class).hasMessageContaining("lacks");
        Builder twice = new Builder();
        twice.duplicateLibp2p = true;
        assertThatThrownBy(() -> Libp2pCertificate.verify(twice.build(), Instant.now()))
                .isInstanceOf(CertificateFormatException.class).hasMessageContaining("twice");
    }

    /** Bounded fuzz: every mutation of a valid certificate is either still the same identity or a typed error. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void mutatedCertificatesFailWithTypedErrorsOnly(long seed) {
        byte[] valid = Libp2pCertificate.generate(ID).der();
        SplittableRandom rnd = new SplittableRandom(seed);
        int accepted = 0;
        for (int i = 0; i < 500; i++) {
            byte[] m = mutate(valid, rnd);
            try {
                Libp2pCertificate.VerifiedPeer p = Libp2pCertificate.verify(m, Instant.now());
                assertThat(p.peerId()).isEqualTo(ID.peerId());
                accepted++;
            } catch (CertificateFormatException expected) {
                // typed refusal
            }
        }
        // Only mutations in unsigned, unchecked places (the serial inside the signed part is signed) may pass.
        assertThat(accepted).isLessThan(500);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12})
    void randomBytesAndRandomDerTreesFailWithTypedErrorsOnly(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 1000; i++) {
            byte[] junk = new byte[rnd.nextInt(0, 600)];
            rnd.nextBytes(junk);
            if (i % 2 == 0 && junk.length > 2) {
                junk[0] = 0x30; // look like a SEQUENCE to get past the first check
            }
            byte[] input = i % 3 == 0 ? randomTree(rnd, 0) : junk;
            assertThatThrownBy(() -> Libp2pCertificate.verify(input, Instant.now()))
                    .isInstanceOf(CertificateFormatException.class);
        }
        assertThatThrownBy(() -> Libp2pCertificate.verify(new byte[Der.MAX_INPUT + 1], Instant.now()))
                .isInstanceOf(CertificateFormatException.class);
    }

    @Test
    void derLengthsThatOverrunTheirContainerOrAreNotMinimalAreRefused() {
        for (byte[] bad : List.of(new byte[] {0x30, (byte) 0x84, 0, 0, 0, 1, 0}, new byte[] {0x30, (byte) 0x81, 0x05, 1, 2, 3, 4, 5},
                new byte[] {0x30, (byte) 0x80, 0, 0}, new byte[] {0x30, 0x05, 1}, new byte[] {0x1f, 0x01, 0}, new byte[] {0x30})) {
            assertThatThrownBy(() -> Der.parse(bad)).isInstanceOf(CertificateFormatException.class);
        }
        assertThat(Der.oid(Der.parse(Der.oid(Libp2pCertificate.EXTENSION_OID)))).isEqualTo(Libp2pCertificate.EXTENSION_OID);
    }

    private static byte[] mutate(byte[] valid, SplittableRandom rnd) {
        byte[] m = valid.clone();
        switch (rnd.nextInt(4)) {
            case 0 -> m[rnd.nextInt(m.length)] ^= (byte) (1 << rnd.nextInt(8));
            case 1 -> m = Arrays.copyOf(m, rnd.nextInt(m.length));
            case 2 -> {
                int at = rnd.nextInt(m.length);
                byte[] n = new byte[m.length + 1];
                System.arraycopy(m, 0, n, 0, at);
                n[at] = (byte) rnd.nextInt(256);
                System.arraycopy(m, at, n, at + 1, m.length - at);
                m = n;
            }
            default -> {
                for (int k = 0; k < 4; k++) {
                    m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
                }
            }
        }
        return m;
    }

    private static byte[] randomTree(SplittableRandom rnd, int depth) {
        int tag = new int[] {Der.SEQUENCE, Der.SET, Der.INTEGER, Der.OID, Der.OCTET_STRING, Der.BIT_STRING, 0xa0, 0xa3}[rnd.nextInt(8)];
        if ((tag & 0x20) != 0 && depth < 6) {
            List<byte[]> kids = new ArrayList<>();
            for (int i = rnd.nextInt(0, 4); i > 0; i--) {
                kids.add(randomTree(rnd, depth + 1));
            }
            return Der.tlv(tag, kids.toArray(new byte[0][]));
        }
        byte[] v = new byte[rnd.nextInt(0, 20)];
        rnd.nextBytes(v);
        return Der.tlv(tag, v);
    }

    private static KeyPair otherKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** Certificates shaped like other implementations' (or broken on purpose), built from the DER writer. */
    private static final class Builder {
        final KeyPair key;
        KeyPair signer;
        byte[] signedSpki;
        boolean names = true;
        boolean withLibp2p = true;
        boolean duplicateLibp2p;
        final List<byte[]> extra = new ArrayList<>();

        Builder() throws Exception {
            key = otherKey();
            signer = key;
            signedSpki = key.getPublic().getEncoded();
        }

        Builder emptyNames() {
            names = false;
            return this;
        }

        byte[] build() throws Exception {
            byte[] signedKey = Der.seq(Der.octets(ID.marshalPublicKey()),
                    Der.octets(ID.sign(Libp2pCertificate.concat(Libp2pCertificate.SIGNATURE_PREFIX, signedSpki))));
            List<byte[]> exts = new ArrayList<>();
            if (withLibp2p) {
                exts.add(Der.seq(Der.oid(Libp2pCertificate.EXTENSION_OID), Der.tlv(Der.BOOLEAN, new byte[] {(byte) 0xff}),
                        Der.octets(signedKey)));
            }
            if (duplicateLibp2p) {
                exts.add(exts.get(0));
            }
            exts.addAll(extra);
            byte[] name = names ? Der.seq(Der.tlv(Der.SET, Der.seq(Der.oid("2.5.4.3"),
                    Der.tlv(Der.UTF8_STRING, "x".getBytes(StandardCharsets.UTF_8))))) : Der.seq();
            byte[] alg = Der.seq(Der.oid("1.2.840.10045.4.3.2"));
            byte[] tbs = Der.seq(Der.tlv(0xa0, Der.integer(BigInteger.TWO)), Der.integer(BigInteger.valueOf(42)), alg, name,
                    Der.seq(Der.tlv(Der.UTC_TIME, "750101000000Z".getBytes(StandardCharsets.US_ASCII)),
                            Der.tlv(Der.GENERALIZED_TIME, "40960101000000Z".getBytes(StandardCharsets.US_ASCII))),
                    name, key.getPublic().getEncoded(), Der.tlv(0xa3, Der.seq(exts.toArray(new byte[0][]))));
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(signer.getPrivate());
            s.update(tbs);
            return Der.seq(tbs, alg, Der.bits(s.sign()));
        }
    }
}
