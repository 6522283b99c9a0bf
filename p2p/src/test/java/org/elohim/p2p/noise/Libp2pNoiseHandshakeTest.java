package org.elohim.p2p.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.elohim.p2p.crypto.X25519;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.KeyType;
import org.elohim.p2p.peer.PublicKeyInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The identity binding of the libp2p Noise payload, against a hand-driven (misbehaving) remote. */
@Timeout(30)
class Libp2pNoiseHandshakeTest {
    static final IdentityKey ALICE = IdentityKey.fromSeed(CaptureVectors.DIALER_SEED);
    static final IdentityKey BOB = IdentityKey.fromSeed(CaptureVectors.LISTENER_SEED);

    /** Runs a responder whose payload is {@code payload} against a real initiator; returns the initiator. */
    private static Libp2pNoiseHandshake initiatorAgainst(java.util.function.Function<byte[], byte[]> payloadForStatic) {
        Libp2pNoiseHandshake initiator = new Libp2pNoiseHandshake(Role.INITIATOR, ALICE, Optional.empty(),
                List.of("/yamux/1.0.0"));
        byte[] respStatic = X25519.randomPrivateKey();
        NoiseXXHandshake responder = NoiseXXHandshake.responder(respStatic, null);
        responder.readMessage(initiator.start().orElseThrow());
        byte[] msg2 = responder.writeMessage(payloadForStatic.apply(X25519.publicKey(respStatic)));
        initiator.onMessage(msg2);
        return initiator;
    }

    private static byte[] signedPayload(IdentityKey signer, PublicKeyInfo claimed, byte[] staticKey) {
        byte[] toSign = concat("noise-libp2p-static-key:".getBytes(StandardCharsets.US_ASCII), staticKey);
        return new NoiseHandshakePayload(claimed.marshal(), signer.sign(toSign),
                Optional.of(NoiseExtensions.ofMuxers(List.of("/yamux/1.0.0")))).encode();
    }

    @Test
    void wellFormedRemoteIsAccepted() {
        Libp2pNoiseHandshake i = initiatorAgainst(s -> signedPayload(BOB, BOB.publicKey(), s));
        assertThat(i.isComplete()).isTrue();
        assertThat(i.result().remotePeer()).isEqualTo(BOB.peerId());
    }

    @Test
    void signatureOverAnotherStaticKeyIsRejected() {
        assertThatThrownBy(() -> initiatorAgainst(s -> signedPayload(BOB, BOB.publicKey(), X25519.publicKey(new byte[32]))))
                .isInstanceOf(NoiseHandshakeException.class).hasMessageContaining("signature");
    }

    @Test
    void claimingSomeoneElsesKeyIsRejected() {
        assertThatThrownBy(() -> initiatorAgainst(s -> signedPayload(BOB, ALICE.publicKey(), s)))
                .isInstanceOf(NoiseHandshakeException.class).hasMessageContaining("signature");
    }

    @Test
    void emptyOrGarbagePayloadAndUnsupportedKeyTypesAreRejected() {
        assertThatThrownBy(() -> initiatorAgainst(s -> new byte[0])).isInstanceOf(NoiseHandshakeException.class);
        assertThatThrownBy(() -> initiatorAgainst(s -> new byte[] {(byte) 0xff, 1, 2}))
                .isInstanceOf(NoiseHandshakeException.class);
        PublicKeyInfo rsa = new PublicKeyInfo(KeyType.RSA, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> initiatorAgainst(s -> signedPayload(BOB, rsa, s)))
                .isInstanceOf(NoiseHandshakeException.class).hasMessageContaining("unsupported");
    }

    @Test
    void smallOrderEphemeralAndForgedThirdMessageAreRejected() {
        Libp2pNoiseHandshake r1 = new Libp2pNoiseHandshake(Role.RESPONDER, BOB, Optional.empty(), List.of());
        assertThatThrownBy(() -> r1.onMessage(new byte[32])).isInstanceOf(NoiseHandshakeException.class)
                .hasMessageContaining("small order");
        Libp2pNoiseHandshake r2 = new Libp2pNoiseHandshake(Role.RESPONDER, BOB, Optional.empty(), List.of());
        assertThat(r2.onMessage(X25519.publicKey(X25519.randomPrivateKey()))).isPresent();
        assertThatThrownBy(() -> r2.onMessage(new byte[64])).isInstanceOf(NoiseHandshakeException.class);
        assertThat(r2.isComplete()).isFalse();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
