package org.elohim.p2p.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.elohim.p2p.codec.P2pProtocolException;
import org.elohim.p2p.crypto.X25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bare Noise XX state machine, without the libp2p payload. */
@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class NoiseXXHandshakeTest {

    @Test
    void bothSidesAgreeOnHashKeysAndStaticKeys() {
        NoiseXXHandshake i = NoiseXXHandshake.initiator(X25519.randomPrivateKey(), null);
        NoiseXXHandshake r = NoiseXXHandshake.responder(X25519.randomPrivateKey(), null);
        assertThat(r.readMessage(i.writeMessage("p1".getBytes()))).isEqualTo("p1".getBytes());
        assertThat(i.readMessage(r.writeMessage("p2".getBytes()))).isEqualTo("p2".getBytes());
        assertThat(r.readMessage(i.writeMessage("p3".getBytes()))).isEqualTo("p3".getBytes());
        assertThat(i.isComplete()).isTrue();
        assertThat(r.isComplete()).isTrue();
        assertThat(i.handshakeHash()).isEqualTo(r.handshakeHash());
        assertThat(i.remoteStaticPublicKey()).isEqualTo(r.localStaticPublicKey());
        assertThat(r.remoteStaticPublicKey()).isEqualTo(i.localStaticPublicKey());
        TransportCiphers ic = i.split();
        TransportCiphers rc = r.split();
        assertThat(rc.receiver().decryptWithAd(new byte[0], ic.sender().encryptWithAd(new byte[0], "x".getBytes())))
                .isEqualTo("x".getBytes());
        assertThat(ic.receiver().decryptWithAd(new byte[0], rc.sender().encryptWithAd(new byte[0], "y".getBytes())))
                .isEqualTo("y".getBytes());
    }

    @Test
    void outOfTurnUseIsAProgrammingError() {
        NoiseXXHandshake i = NoiseXXHandshake.initiator(X25519.randomPrivateKey(), null);
        assertThatThrownBy(() -> i.readMessage(new byte[32])).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(i::split).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(i::remoteStaticPublicKey).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void smallOrderEphemeralAndShortMessagesAreHandshakeFailures() {
        NoiseXXHandshake r = NoiseXXHandshake.responder(X25519.randomPrivateKey(), null);
        r.readMessage(new byte[32]); // all-zero "ephemeral": only hashed so far
        assertThatThrownBy(() -> r.writeMessage(new byte[0])).isInstanceOf(NoiseHandshakeException.class);

        NoiseXXHandshake r2 = NoiseXXHandshake.responder(X25519.randomPrivateKey(), null);
        assertThatThrownBy(() -> r2.readMessage(new byte[31])).isInstanceOf(NoiseHandshakeException.class);
        NoiseXXHandshake i = NoiseXXHandshake.initiator(X25519.randomPrivateKey(), null);
        i.writeMessage(new byte[0]);
        assertThatThrownBy(() -> i.readMessage(new byte[95])).isInstanceOf(NoiseHandshakeException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {81, 82})
    void fuzzMutatedMessagesOnlyTypedErrors(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int iter = 0; iter < 120; iter++) {
            NoiseXXHandshake i = NoiseXXHandshake.initiator(CaptureVectors.INITIATOR_STATIC, CaptureVectors.INITIATOR_EPHEMERAL);
            NoiseXXHandshake r = NoiseXXHandshake.responder(CaptureVectors.RESPONDER_STATIC, CaptureVectors.RESPONDER_EPHEMERAL);
            byte[] m1 = i.writeMessage(new byte[0]);
            r.readMessage(m1);
            byte[] m2 = r.writeMessage(new byte[rnd.nextInt(50)]);
            int target = rnd.nextInt(2);
            try {
                if (target == 0) {
                    i.readMessage(mutate(rnd, m2));
                } else {
                    i.readMessage(m2);
                    r.readMessage(mutate(rnd, i.writeMessage(new byte[10])));
                }
            } catch (P2pProtocolException expected) {
                // typed
            }
        }
    }

    private static byte[] mutate(SplittableRandom rnd, byte[] m) {
        byte[] b = m.clone();
        if (rnd.nextBoolean() && b.length > 0) {
            b[rnd.nextInt(b.length)] ^= (byte) (1 + rnd.nextInt(255));
        } else {
            b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
        }
        return b;
    }
}
