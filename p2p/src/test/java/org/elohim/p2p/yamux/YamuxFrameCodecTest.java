package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class YamuxFrameCodecTest {

    private static ByteBuf hex(String h) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(h));
    }

    private static String encode(YamuxFrame f) {
        ByteBuf out = Unpooled.buffer();
        YamuxFrameCodec.encode(f, out);
        return ByteBufUtil.hexDump(out);
    }

    @Test
    void decodesHeadersFromTheJsCapture() {
        // from libp2p-captures/handshake.txt, decrypted transport stream I>R
        assertThat(YamuxFrameCodec.decode(hex("000200010000000000000000"), 1 << 20))
                .isEqualTo(new YamuxFrame.Ping(YamuxFrame.FLAG_SYN, 0));
        assertThat(YamuxFrameCodec.decode(hex("000100010000000100000000"), 1 << 20))
                .isEqualTo(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_SYN, 0));
        assertThat(YamuxFrameCodec.decode(hex("000100000000000300100020"), 1 << 20))
                .isEqualTo(new YamuxFrame.WindowUpdate(3, 0, 1048608));
        assertThat(YamuxFrameCodec.decode(hex("000300000000000000000000"), 1 << 20))
                .isEqualTo(new YamuxFrame.GoAway(0));
        ByteBuf data = hex("00000000000000050000000c68656c6c6f20656c6f68696d");
        YamuxFrame.Data d = (YamuxFrame.Data) YamuxFrameCodec.decode(data, 1 << 20);
        assertThat(d.streamId()).isEqualTo(5);
        assertThat(d.payload().toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("hello elohim");
        assertThat(data.isReadable()).isFalse();
        d.payload().release();
    }

    @Test
    void encodesTheSameBytesJsSends() {
        assertThat(encode(new YamuxFrame.WindowUpdate(2, YamuxFrame.FLAG_ACK, 36))).isEqualTo("000100020000000200000024");
        assertThat(encode(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_FIN, 0))).isEqualTo("000100040000000100000000");
        assertThat(encode(new YamuxFrame.Ping(YamuxFrame.FLAG_ACK, 0))).isEqualTo("000200020000000000000000");
        assertThat(encode(new YamuxFrame.WindowUpdate(3, 0, 0xFFFFFFFFL))).isEqualTo("0001000000000003ffffffff");
        assertThat(encode(new YamuxFrame.Data(5, 0, Unpooled.wrappedBuffer("hi".getBytes()))))
                .isEqualTo("000000000000000500000002" + "6869");
    }

    @Test
    void waitsForCompleteFrames() {
        ByteBuf partial = hex("0000000000000005000000");
        assertThat(YamuxFrameCodec.decode(partial, 100)).isNull();
        assertThat(partial.readerIndex()).isZero();
        ByteBuf body = hex("0000000000000005000000030102");
        assertThat(YamuxFrameCodec.decode(body, 100)).isNull();
        assertThat(body.readerIndex()).isZero();
    }

    @Test
    void rejectsBadVersionTypeAndOversizedData() {
        assertThatThrownBy(() -> YamuxFrameCodec.decode(hex("010000000000000100000000"), 100))
                .isInstanceOf(YamuxProtocolException.class).hasMessageContaining("version");
        assertThatThrownBy(() -> YamuxFrameCodec.decode(hex("000400000000000100000000"), 100))
                .isInstanceOf(YamuxProtocolException.class).hasMessageContaining("type");
        assertThatThrownBy(() -> YamuxFrameCodec.decode(hex("000000000000000100000065"), 100))
                .isInstanceOf(YamuxProtocolException.class).hasMessageContaining("exceeds");
        assertThatThrownBy(() -> YamuxFrameCodec.decode(hex("000200010000000100000000"), 100))
                .isInstanceOf(YamuxProtocolException.class).hasMessageContaining("ping");
        assertThatThrownBy(() -> YamuxFrameCodec.decode(hex("000000008000000100000000"), 100))
                .isInstanceOf(YamuxProtocolException.class);
    }
}
