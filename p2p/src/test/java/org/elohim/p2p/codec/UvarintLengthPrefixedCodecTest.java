package org.elohim.p2p.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class UvarintLengthPrefixedCodecTest {

    @Test
    void encoderPrefixesAndDecoderSplitsAcrossArbitraryChunks() {
        EmbeddedChannel enc = new EmbeddedChannel(new UvarintLengthPrefixedEncoder());
        List<byte[]> messages = List.of(new byte[0], "hello".getBytes(StandardCharsets.UTF_8), new byte[300]);
        ByteBuf wire = Unpooled.buffer();
        for (byte[] m : messages) {
            enc.writeOutbound(Unpooled.wrappedBuffer(m));
        }
        ByteBuf part;
        while ((part = enc.readOutbound()) != null) {
            wire.writeBytes(part);
            part.release();
        }
        assertThat(HexFormat.of().formatHex(ByteBufUtil.getBytes(wire, 0, 7))).isEqualTo("000568656c6c6f");

        EmbeddedChannel dec = new EmbeddedChannel(new UvarintLengthPrefixedDecoder(1024));
        while (wire.isReadable()) {
            dec.writeInbound(wire.readRetainedSlice(Math.min(3, wire.readableBytes())));
        }
        wire.release();
        for (byte[] m : messages) {
            ByteBuf f = dec.readInbound();
            assertThat(ByteBufUtil.getBytes(f)).isEqualTo(m);
            f.release();
        }
        assertThat((Object) dec.readInbound()).isNull();
        assertThat(dec.finish()).isFalse();
    }

    @Test
    void oversizedFrameIsRejectedBeforeBufferingAndClosesByDefault() {
        UvarintLengthPrefixedDecoder decoder = new UvarintLengthPrefixedDecoder(100);
        EmbeddedChannel dec = new EmbeddedChannel(decoder);
        dec.writeInbound(Unpooled.wrappedBuffer(Uvarint.encode(101)));
        assertThat(dec.isOpen()).isFalse();
        assertThat(decoder.failure()).hasValueSatisfying(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class));
        assertThat((Object) dec.readInbound()).isNull();
    }

    @Test
    void errorsPropagateTypedWhenNotClosing() {
        EmbeddedChannel dec = new EmbeddedChannel(new UvarintLengthPrefixedDecoder(100, false));
        assertThatThrownBy(() -> dec.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, 0})))
                .isInstanceOf(MalformedFrameException.class);
        // further bytes are discarded
        dec.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 2}));
        assertThat((Object) dec.readInbound()).isNull();
        EmbeddedChannel big = new EmbeddedChannel(new UvarintLengthPrefixedDecoder(100, false));
        assertThatThrownBy(() -> big.writeInbound(Unpooled.wrappedBuffer(Uvarint.encode(1L << 40))))
                .isInstanceOf(FrameTooLargeException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void fuzzOnlyTypedErrorsNoLeaks(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 1000; i++) {
            List<Throwable> errors = new ArrayList<>();
            UvarintLengthPrefixedDecoder decoder = new UvarintLengthPrefixedDecoder(64);
            EmbeddedChannel dec = new EmbeddedChannel(decoder,
                    new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ((ByteBuf) msg).release();
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            errors.add(cause);
                        }
                    });
            for (int k = 0; k < 4; k++) {
                byte[] b = new byte[rnd.nextInt(40)];
                rnd.nextBytes(b);
                if (dec.isOpen()) {
                    dec.writeInbound(Unpooled.wrappedBuffer(b));
                }
            }
            assertThat(errors).isEmpty();
            assertThat(dec.isOpen()).isEqualTo(decoder.failure().isEmpty());
            dec.finishAndReleaseAll();
        }
    }
}
