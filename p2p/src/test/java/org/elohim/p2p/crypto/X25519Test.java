package org.elohim.p2p.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class X25519Test {
    static final HexFormat HEX = HexFormat.of();

    @Test
    void rfc7748DiffieHellmanVector() {
        byte[] alicePriv = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPriv = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        byte[] alicePub = X25519.publicKey(alicePriv);
        byte[] bobPub = X25519.publicKey(bobPriv);
        assertThat(HEX.formatHex(alicePub)).isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assertThat(HEX.formatHex(bobPub)).isEqualTo("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        String shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        assertThat(HEX.formatHex(X25519.sharedSecret(alicePriv, bobPub))).isEqualTo(shared);
        assertThat(HEX.formatHex(X25519.sharedSecret(bobPriv, alicePub))).isEqualTo(shared);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"})
    void smallOrderPeerKeysAreTypedFailures(String pub) {
        assertThatThrownBy(() -> X25519.sharedSecret(new byte[32], HEX.parseHex(pub)))
                .isInstanceOf(CryptoFailureException.class);
    }

    @Test
    void wrongLengthPeerKeyIsTyped() {
        assertThatThrownBy(() -> X25519.sharedSecret(new byte[32], new byte[31]))
                .isInstanceOf(CryptoFailureException.class);
    }

    @Test
    void randomPeerKeysNeverThrowUntyped() {
        SplittableRandom rnd = new SplittableRandom(71);
        byte[] priv = X25519.randomPrivateKey();
        for (int i = 0; i < 300; i++) {
            byte[] pub = new byte[32];
            rnd.nextBytes(pub);
            try {
                assertThat(X25519.sharedSecret(priv, pub)).hasSize(32);
            } catch (CryptoFailureException expected) {
                // typed
            }
        }
    }

    @Test
    void ed25519VerifyIsFalseOnGarbage() {
        assertThat(Ed25519.verify(new byte[32], new byte[1], new byte[64])).isFalse();
        byte[] notOnCurve = HEX.parseHex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
        assertThat(Ed25519.verify(notOnCurve, new byte[1], new byte[64])).isFalse();
        assertThat(Ed25519.verify(new byte[31], new byte[1], new byte[64])).isFalse();
    }
}
