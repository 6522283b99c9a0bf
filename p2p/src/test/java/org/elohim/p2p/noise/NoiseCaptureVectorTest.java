package org.elohim.p2p.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.elohim.p2p.noise.CaptureVectors.*;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.elohim.p2p.crypto.X25519;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reproduces the captured js-libp2p Noise handshakes byte for byte, in both roles, and decrypts the traffic. */
class NoiseCaptureVectorTest {

    static Stream<Arguments> captures() {
        return Stream.of(
                Arguments.of("inlined muxer", inlinedMuxer(), List.of("/yamux/1.0.0"), Optional.of("/yamux/1.0.0")),
                Arguments.of("muxer via multistream-select", mssMuxer(), List.of(), Optional.empty()));
    }

    @Test
    void capturedStaticAndEphemeralPublicKeys() {
        assertThat(X25519.publicKey(RESPONDER_STATIC))
                .isEqualTo(hex("ce8d3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d59"));
        assertThat(X25519.publicKey(INITIATOR_STATIC))
                .isEqualTo(hex("052a50773ac8d91773f2dc9662e12f0defe915e415b8a1c8e20a5a3d6ab2b843"));
        assertThat(X25519.publicKey(INITIATOR_EPHEMERAL))
                .isEqualTo(hex("197fc2c567dc03ee2aadf0ed86681dac24daa76e83ca555875dd3be7376e5306"));
        assertThat(X25519.publicKey(RESPONDER_EPHEMERAL))
                .isEqualTo(hex("5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void initiatorProducesCapturedMessagesAndAcceptsCapturedResponder(String name, CaptureVectors.Capture c,
            List<String> muxers, Optional<String> inlined) {
        Libp2pNoiseHandshake initiator = new Libp2pNoiseHandshake(Role.INITIATOR, IdentityKey.fromSeed(DIALER_SEED),
                Optional.of(PeerId.parse(LISTENER_PEER_ID)), muxers, INITIATOR_STATIC, INITIATOR_EPHEMERAL);

        assertThat(initiator.start()).hasValueSatisfying(m -> assertThat(m).isEqualTo(c.msg1()));
        Optional<byte[]> msg3 = initiator.onMessage(c.msg2());

        assertThat(msg3).hasValueSatisfying(m -> assertThat(m).isEqualTo(c.msg3()));
        assertThat(initiator.isComplete()).isTrue();
        assertThat(initiator.result().remotePeer().toBase58()).isEqualTo(LISTENER_PEER_ID);
        assertThat(initiator.result().inlinedMuxer()).isEqualTo(inlined);
        assertThat(initiator.result().remotePublicKey())
                .isEqualTo(hex("080112208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"));
        assertTransport(c, initiator.ciphers().sender(), c.initiatorFrames());
        assertDecrypts(initiator.ciphers().receiver(), c.responderFrames());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void responderProducesCapturedMessageAndAcceptsCapturedInitiator(String name, CaptureVectors.Capture c,
            List<String> muxers, Optional<String> inlined) {
        Libp2pNoiseHandshake responder = new Libp2pNoiseHandshake(Role.RESPONDER,
                IdentityKey.fromSeed(LISTENER_SEED), Optional.empty(), muxers, RESPONDER_STATIC, RESPONDER_EPHEMERAL);

        assertThat(responder.start()).isEmpty();
        Optional<byte[]> msg2 = responder.onMessage(c.msg1());
        assertThat(msg2).hasValueSatisfying(m -> assertThat(m).isEqualTo(c.msg2()));
        assertThat(responder.onMessage(c.msg3())).isEmpty();

        assertThat(responder.isComplete()).isTrue();
        assertThat(responder.result().remotePeer().toBase58()).isEqualTo(DIALER_PEER_ID);
        assertThat(responder.result().inlinedMuxer()).isEqualTo(inlined);
        assertTransport(c, responder.ciphers().sender(), c.responderFrames());
        assertDecrypts(responder.ciphers().receiver(), c.initiatorFrames());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void splitKeysMatchCapture(String name, CaptureVectors.Capture c, List<String> muxers, Optional<String> inlined) {
        CipherState k1 = new CipherState(c.initiatorToResponderKey());
        CipherState k2 = new CipherState(c.responderToInitiatorKey());
        assertDecrypts(k1, c.initiatorFrames());
        assertDecrypts(k2, c.responderFrames());
    }

    @Test
    void inlinedCaptureCarriesYamuxFramesAndMssCaptureCarriesMultistream() {
        // First decrypted bytes: a yamux PING SYN when the muxer was inlined, "/multistream/1.0.0\n" otherwise.
        assertThat(inlinedMuxer().initiatorFrames().get(0).plaintext()).isEqualTo(hex("000200010000000000000000"));
        assertThat(mssMuxer().initiatorFrames().get(0).plaintext()).isEqualTo(
                hex("132f6d756c746973747265616d2f312e302e300a0d2f79616d75782f312e302e300a"));
        assertThat(mssMuxer().responderFrames().get(0).plaintext())
                .isEqualTo(hex("132f6d756c746973747265616d2f312e302e300a"));
    }

    /** Our sender, at the captured nonces, must produce exactly the captured ciphertexts. */
    private static void assertTransport(CaptureVectors.Capture c, CipherState sender,
            List<CaptureVectors.TransportFrame> frames) {
        assertThat(frames).isNotEmpty();
        long expectedNonce = 0;
        for (CaptureVectors.TransportFrame f : frames) {
            assertThat(f.nonce()).isEqualTo(expectedNonce++);
            byte[] produced = sender.encryptWithAd(new byte[0], f.plaintext());
            if (f.truncated()) {
                assertThat(produced).startsWith(f.ciphertext());
                assertThat(produced).hasSize(f.plaintext().length + CipherState.TAG_LENGTH);
            } else {
                assertThat(produced).isEqualTo(f.ciphertext());
            }
        }
    }

    private static void assertDecrypts(CipherState receiver, List<CaptureVectors.TransportFrame> frames) {
        assertThat(frames).isNotEmpty();
        for (CaptureVectors.TransportFrame f : frames) {
            assertThat(receiver.nonce()).isEqualTo(f.nonce());
            if (f.truncated()) {
                receiver.setNonce(f.nonce() + 1); // only a prefix of this ciphertext was printed
                continue;
            }
            assertThat(receiver.decryptWithAd(new byte[0], f.ciphertext())).isEqualTo(f.plaintext());
        }
    }
}
