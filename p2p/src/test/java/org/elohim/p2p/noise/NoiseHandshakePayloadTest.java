package org.elohim.p2p.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.elohim.p2p.codec.P2pProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class NoiseHandshakePayloadTest {
    static final HexFormat HEX = HexFormat.of();
    /** Plaintext payloads of the captured msg3 (inlined muxer) and msg2 (no muxer list). */
    static final String WITH_MUXER = "0a2408011220d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c97787371240d102ea7232d75c5780e08b07549ec0e19cbdf0bd2e96f0164cb23479d23a6cd30ca4b441e0b8e42f8b21eab13f31ed7468ed1bbcd31bb3d724ebf768afafcf02220e120c2f79616d75782f312e302e30";
    static final String EMPTY_EXTENSIONS = "0a24080112208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c12406fbad3f6586c9756c8d126a01638f134d243fdee3ec96d59b7d5a98c133eccc38d6e018e3ef708ba0b9b8919a7ede6c398cf3a8aca2064ef9c8243ec78dc440b2200";

    @Test
    void decodesAndReEncodesCapturedPayloadsExactly() {
        NoiseHandshakePayload p = NoiseHandshakePayload.decode(HEX.parseHex(WITH_MUXER));
        assertThat(HEX.formatHex(p.identityKey()))
                .isEqualTo("08011220d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737");
        assertThat(p.identitySig()).hasSize(64);
        assertThat(p.extensions()).hasValueSatisfying(e -> assertThat(e.streamMuxers()).containsExactly("/yamux/1.0.0"));
        assertThat(HEX.formatHex(p.encode())).isEqualTo(WITH_MUXER);

        NoiseHandshakePayload q = NoiseHandshakePayload.decode(HEX.parseHex(EMPTY_EXTENSIONS));
        assertThat(q.extensions()).hasValueSatisfying(e -> assertThat(e.streamMuxers()).isEmpty());
        assertThat(HEX.formatHex(q.encode())).isEqualTo(EMPTY_EXTENSIONS);
        assertThat(NoiseHandshakePayload.decode(q.encode())).isEqualTo(q);
    }

    @Test
    void extensionsAbsentIsDistinctFromEmpty() {
        NoiseHandshakePayload p = new NoiseHandshakePayload(new byte[] {1}, new byte[] {2}, Optional.empty());
        assertThat(HEX.formatHex(p.encode())).isEqualTo("0a01011201" + "02");
        NoiseHandshakePayload withHashes = new NoiseHandshakePayload(new byte[] {1}, new byte[] {2},
                Optional.of(new NoiseExtensions(List.of(new byte[] {7, 7}), List.of("/yamux/1.0.0"))));
        assertThat(NoiseHandshakePayload.decode(withHashes.encode())).isEqualTo(withHashes);
    }

    @Test
    void rejectsMissingFieldsAndOversize() {
        assertThatThrownBy(() -> NoiseHandshakePayload.decode(HEX.parseHex("0a0101")))
                .isInstanceOf(NoiseHandshakeException.class);
        assertThatThrownBy(() -> NoiseHandshakePayload.decode(new byte[NoiseHandshakePayload.MAX_LENGTH + 1]))
                .isInstanceOf(NoiseHandshakeException.class);
        StringBuilder many = new StringBuilder("0a0101120102" + "22");
        StringBuilder ext = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            ext.append("120161");
        }
        many.append(String.format("%02x", ext.length() / 2)).append(ext); // 120 bytes: one-byte varint
        assertThatThrownBy(() -> NoiseHandshakePayload.decode(HEX.parseHex(many.toString())))
                .isInstanceOf(NoiseHandshakeException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {51, 52})
    void fuzzMutatedCapturedPayloadsOnlyTypedErrors(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[][] goods = {HEX.parseHex(WITH_MUXER), HEX.parseHex(EMPTY_EXTENSIONS)};
        for (int i = 0; i < 4000; i++) {
            byte[] b = goods[rnd.nextInt(2)].clone();
            for (int f = 0; f <= rnd.nextInt(3); f++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextInt(4) == 0) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            }
            try {
                NoiseHandshakePayload p = NoiseHandshakePayload.decode(b);
                assertThat(NoiseHandshakePayload.decode(p.encode())).isEqualTo(p);
            } catch (P2pProtocolException expected) {
                // typed
            }
        }
    }
}
