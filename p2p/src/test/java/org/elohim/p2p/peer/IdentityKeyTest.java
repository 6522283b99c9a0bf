package org.elohim.p2p.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.elohim.p2p.codec.P2pProtocolException;
import org.elohim.p2p.crypto.Ed25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class IdentityKeyTest {
    static final HexFormat HEX = HexFormat.of();

    @Test
    void rfc8032TestVector1() {
        byte[] seed = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        IdentityKey key = IdentityKey.fromSeed(seed);
        assertThat(HEX.formatHex(key.rawPublicKey()))
                .isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assertThat(HEX.formatHex(key.sign(new byte[0]))).isEqualTo(
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    }

    @Test
    void privateKeyMarshalsInLibp2pFormAndRoundTrips() {
        IdentityKey key = IdentityKey.fromSeed(new byte[32]);
        byte[] marshalled = key.marshalPrivateKey();
        assertThat(HEX.formatHex(marshalled)).startsWith("08011240" + "00".repeat(32) + HEX.formatHex(key.rawPublicKey()));
        assertThat(marshalled).hasSize(68);
        IdentityKey back = IdentityKey.unmarshalPrivateKey(marshalled);
        assertThat(back.peerId()).isEqualTo(key.peerId());
        // seed-only (32-byte) form is accepted too
        byte[] seedOnly = HEX.parseHex("08011220" + "00".repeat(32));
        assertThat(IdentityKey.unmarshalPrivateKey(seedOnly).peerId()).isEqualTo(key.peerId());
    }

    @Test
    void unmarshalRejectsMismatchedPublicHalfAndOtherTypes() {
        byte[] m = IdentityKey.fromSeed(new byte[32]).marshalPrivateKey();
        m[m.length - 1] ^= 1;
        assertThatThrownBy(() -> IdentityKey.unmarshalPrivateKey(m)).isInstanceOf(KeyFormatException.class);
        assertThatThrownBy(() -> IdentityKey.unmarshalPrivateKey(HEX.parseHex("08001203010203")))
                .isInstanceOf(KeyFormatException.class);
        assertThatThrownBy(() -> IdentityKey.unmarshalPrivateKey(HEX.parseHex("0801")))
                .isInstanceOf(KeyFormatException.class);
        assertThatThrownBy(() -> IdentityKey.unmarshalPrivateKey(HEX.parseHex("120f")))
                .isInstanceOf(KeyFormatException.class);
    }

    @Test
    void saveAndLoadOrCreateWithOwnerOnlyPermissions(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/node.key");
        IdentityKey created = IdentityKey.loadOrCreate(file);
        assertThat(Files.exists(file)).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        IdentityKey loaded = IdentityKey.loadOrCreate(file);
        assertThat(loaded.peerId()).isEqualTo(created.peerId());
        assertThat(loaded.seed()).isEqualTo(created.seed());
        assertThat(Files.readAllBytes(file)).isEqualTo(created.marshalPrivateKey());
    }

    @Test
    void generatedKeysSignAndVerify() {
        IdentityKey a = IdentityKey.generate();
        IdentityKey b = IdentityKey.generate();
        assertThat(a.peerId()).isNotEqualTo(b.peerId());
        byte[] sig = a.sign(new byte[] {1, 2, 3});
        assertThat(sig).hasSize(Ed25519.SIGNATURE_LENGTH);
        assertThat(a.publicKey().verify(new byte[] {1, 2, 3}, sig)).isTrue();
        assertThat(b.publicKey().verify(new byte[] {1, 2, 3}, sig)).isFalse();
    }

    @Test
    void publicKeyUnmarshalFuzzOnlyTypedErrors() {
        SplittableRandom rnd = new SplittableRandom(3);
        byte[] good = IdentityKey.fromSeed(new byte[32]).marshalPublicKey();
        for (int i = 0; i < 1000; i++) {
            byte[] b = good.clone();
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            if (rnd.nextInt(3) == 0) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 3));
            }
            try {
                PublicKeyInfo k = PublicKeyInfo.unmarshal(b);
                if (i % 16 == 0) {
                    assertThat(k.verify(new byte[1], new byte[64])).isFalse();
                }
            } catch (P2pProtocolException expected) {
                // typed
            }
            try {
                IdentityKey.unmarshalPrivateKey(b);
            } catch (P2pProtocolException expected) {
                // typed
            }
        }
    }
}
