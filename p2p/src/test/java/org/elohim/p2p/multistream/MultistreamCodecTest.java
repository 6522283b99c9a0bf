package org.elohim.p2p.multistream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.P2pProtocolException;
import org.elohim.p2p.codec.Uvarint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class MultistreamCodecTest {
    static final HexFormat HEX = HexFormat.of();
    /** The first 28 bytes each side sent in the captured js session. */
    static final String CAPTURED = "132f6d756c746973747265616d2f312e302e300a072f6e6f6973650a";

    @Test
    void encodesCapturedBytes() {
        ByteBuf buf = MultistreamCodec.encode(io.netty.buffer.ByteBufAllocator.DEFAULT,
                MultistreamCodec.PROTOCOL_ID, "/noise");
        assertThat(HEX.formatHex(io.netty.buffer.ByteBufUtil.getBytes(buf))).isEqualTo(CAPTURED);
        buf.release();
        assertThat(HEX.formatHex(MultistreamCodec.encode("ls"))).isEqualTo("036c730a");
        assertThat(HEX.formatHex(MultistreamCodec.encode("/yamux/1.0.0"))).isEqualTo("0d2f79616d75782f312e302e300a");
    }

    @Test
    void decodesCapturedBytesIncrementally() {
        byte[] all = HEX.parseHex(CAPTURED);
        ByteBuf buf = Unpooled.buffer();
        int fed = 0;
        List<String> got = new java.util.ArrayList<>();
        while (fed < all.length) {
            buf.writeByte(all[fed++]);
            String m;
            while ((m = MultistreamCodec.tryDecode(buf)) != null) {
                got.add(m);
            }
        }
        assertThat(got).containsExactly("/multistream/1.0.0", "/noise");
    }

    @Test
    void lsResponseRoundTrips() {
        byte[] resp = MultistreamCodec.encodeLsResponse(List.of("/ipfs/ping/1.0.0", "/ipfs/id/1.0.0"));
        ByteBuf buf = Unpooled.wrappedBuffer(resp);
        byte[] body = MultistreamCodec.tryReadFrame(buf);
        assertThat(MultistreamCodec.decodeLsResponse(body)).containsExactly("/ipfs/ping/1.0.0", "/ipfs/id/1.0.0");
    }

    @Test
    void limitsAndMalformedMessagesAreTyped() {
        assertThatThrownBy(() -> MultistreamCodec.tryReadFrame(Unpooled.wrappedBuffer(Uvarint.encode(1025))))
                .isInstanceOf(FrameTooLargeException.class);
        assertThatThrownBy(() -> MultistreamCodec.tryReadFrame(Unpooled.wrappedBuffer(HEX.parseHex("026e61"))))
                .isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> MultistreamCodec.tryReadFrame(Unpooled.wrappedBuffer(HEX.parseHex("00"))))
                .isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> MultistreamCodec.tryDecode(Unpooled.wrappedBuffer(HEX.parseHex("02ff0a"))))
                .isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> MultistreamCodec.tryReadFrame(Unpooled.wrappedBuffer(HEX.parseHex("808001"))))
                .isInstanceOf(MalformedFrameException.class);
        byte[] max = new byte[1023];
        Arrays.fill(max, (byte) 'a');
        assertThat(MultistreamCodec.encode(new String(max))).hasSize(1026);
        assertThatThrownBy(() -> MultistreamCodec.encode(new String(max) + "a"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MultistreamCodec.encode("a\nb")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {31, 32, 33})
    void fuzzOnlyTypedErrors(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] good = HEX.parseHex(CAPTURED);
        for (int i = 0; i < 3000; i++) {
            byte[] b = rnd.nextBoolean() ? good.clone() : new byte[rnd.nextInt(40)];
            if (b.length == good.length) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            } else {
                rnd.nextBytes(b);
            }
            ByteBuf buf = Unpooled.wrappedBuffer(b);
            try {
                int guard = 0;
                while (MultistreamCodec.tryDecode(buf) != null && guard++ < 100) {
                    // consume
                }
            } catch (P2pProtocolException expected) {
                // typed
            }
            try {
                MultistreamCodec.decodeLsResponse(b);
            } catch (P2pProtocolException expected) {
                // typed
            }
        }
    }
}
