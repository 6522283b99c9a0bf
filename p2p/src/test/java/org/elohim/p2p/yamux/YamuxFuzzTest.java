package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Bounded fuzzing of yamux input: seeded random and mutated frame sequences into the codec and into a muxer on
 * an embedded channel. Every outcome must be a frame, "need more", or a typed {@link YamuxProtocolException}
 * (codec), and for the muxer: no exception escapes the pipeline, the connection ends up open or closed, and no
 * stream outlives it.
 */
class YamuxFuzzTest {

    static IntStream seeds() {
        return IntStream.range(0, 64);
    }

    private static byte[] randomFrameBytes(SplittableRandom r) {
        ByteBuf out = Unpooled.buffer();
        int frames = 1 + r.nextInt(40);
        for (int i = 0; i < frames; i++) {
            int type = r.nextInt(10) == 0 ? r.nextInt(256) : r.nextInt(4);
            int flags = r.nextInt(8) == 0 ? r.nextInt(65536) : (1 << r.nextInt(4)) & 0xF;
            int stream = r.nextInt(6) == 0 ? r.nextInt() : r.nextInt(12);
            int length;
            byte[] payload = new byte[0];
            if (type == YamuxFrame.TYPE_DATA) {
                length = r.nextInt(20) == 0 ? r.nextInt() : r.nextInt(4096);
                payload = new byte[Math.max(0, Math.min(length, 4096))];
                r.nextBytes(payload);
            } else {
                length = r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(1 << 20);
            }
            out.writeByte(r.nextInt(30) == 0 ? 1 : 0).writeByte(type).writeShort(flags).writeInt(stream).writeInt(length);
            out.writeBytes(payload);
        }
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        // mutate: flip bits, truncate, or splice garbage
        int mutations = r.nextInt(4);
        for (int m = 0; m < mutations && bytes.length > 0; m++) {
            switch (r.nextInt(3)) {
                case 0 -> bytes[r.nextInt(bytes.length)] ^= (byte) (1 << r.nextInt(8));
                case 1 -> bytes = java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length));
                default -> {
                    byte[] junk = new byte[r.nextInt(32)];
                    r.nextBytes(junk);
                    int at = r.nextInt(bytes.length);
                    System.arraycopy(junk, 0, bytes, at, Math.min(junk.length, bytes.length - at));
                }
            }
        }
        return bytes;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void codecOnlyReturnsFramesOrTypedErrors(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int round = 0; round < 20; round++) {
            ByteBuf in = Unpooled.wrappedBuffer(randomFrameBytes(r));
            assertThatCode(() -> {
                try {
                    YamuxFrame f;
                    while ((f = YamuxFrameCodec.decode(in, 1 << 16)) != null) {
                        if (f instanceof YamuxFrame.Data d) {
                            assertThat(d.length()).isLessThanOrEqualTo(1 << 16);
                            d.payload().release();
                        }
                    }
                } catch (YamuxProtocolException expected) {
                    // typed rejection
                }
            }).doesNotThrowAnyException();
        }
    }

    /** Echo on every inbound stream, as a protocol handler would. */
    private static ChannelInitializer<Channel> echo(List<Channel> children) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                children.add(ch);
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }
                });
            }
        };
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void muxerSurvivesOrClosesCleanly(int seed) {
        SplittableRandom r = new SplittableRandom(seed * 7919L + 1);
        List<Channel> children = new ArrayList<>();
        YamuxConfig config = YamuxConfig.defaults().withMaxStreams(8).withKeepAlive(Duration.ZERO, Duration.ZERO);
        YamuxMuxerHandler muxer = new YamuxMuxerHandler(r.nextBoolean(), config, echo(children));
        EmbeddedChannel ch = new EmbeddedChannel(muxer);
        for (int round = 0; round < 10 && ch.isOpen(); round++) {
            byte[] bytes = randomFrameBytes(r);
            int pos = 0;
            while (pos < bytes.length && ch.isOpen()) {
                int n = 1 + r.nextInt(bytes.length - pos);
                ch.writeInbound(Unpooled.wrappedBuffer(bytes, pos, n));
                pos += n;
                ch.runPendingTasks();
                ch.checkException();
            }
            assertThat(children.stream().filter(Channel::isOpen).count()).isLessThanOrEqualTo(8);
            releaseOutbound(ch);
        }
        ch.close();
        ch.runPendingTasks();
        ch.checkException();
        releaseOutbound(ch);
        assertThat(children).allSatisfy(c -> assertThat(c.isOpen()).isFalse());
        ch.finishAndReleaseAll();
    }

    private static void releaseOutbound(EmbeddedChannel ch) {
        Object o;
        while ((o = ch.readOutbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
    }

    private static ByteBuf frame(YamuxFrame f) {
        ByteBuf b = Unpooled.buffer();
        YamuxFrameCodec.encode(f, b);
        return b;
    }

    private static List<YamuxFrame> decodeAll(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            all.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        List<YamuxFrame> out = new ArrayList<>();
        YamuxFrame f;
        while ((f = YamuxFrameCodec.decode(all, 1 << 24)) != null) {
            out.add(f);
            if (f instanceof YamuxFrame.Data d) {
                d.payload().release();
            }
        }
        return out;
    }

    @Test
    void streamFloodIsResetWithinTheLimitAndTheConnectionSurvives() {
        List<Channel> children = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxMuxerHandler(false,
                YamuxConfig.defaults().withMaxStreams(16).withKeepAlive(Duration.ZERO, Duration.ZERO), echo(children)));
        for (int i = 0; i < 2000; i++) {
            ch.writeInbound(frame(new YamuxFrame.WindowUpdate(2 * i + 1, YamuxFrame.FLAG_SYN, 0)));
        }
        ch.runPendingTasks();
        List<YamuxFrame> sent = decodeAll(ch);
        assertThat(children).hasSize(16);
        assertThat(sent.stream().filter(f -> f.hasFlag(YamuxFrame.FLAG_RST))).hasSize(2000 - 16);
        assertThat(ch.isOpen()).isTrue();
        ch.checkException();
        ch.finishAndReleaseAll();
    }

    @Test
    void windowViolationEndsTheSessionWithProtocolError() {
        List<Channel> children = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxMuxerHandler(false,
                YamuxConfig.defaults().withKeepAlive(Duration.ZERO, Duration.ZERO), new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        children.add(c);
                        c.config().setAutoRead(false); // a reader that does not read: the window stays used
                    }
                }));
        ch.writeInbound(frame(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_SYN, 0)));
        for (int i = 0; i < 4; i++) {
            ch.writeInbound(frame(new YamuxFrame.Data(1, 0, Unpooled.wrappedBuffer(new byte[64 * 1024]))));
        }
        assertThat(ch.isOpen()).isTrue();
        ch.writeInbound(frame(new YamuxFrame.Data(1, 0, Unpooled.wrappedBuffer(new byte[1]))));
        ch.runPendingTasks();
        List<YamuxFrame> sent = decodeAll(ch);
        assertThat(sent).contains(new YamuxFrame.GoAway(YamuxFrame.GoAway.PROTOCOL_ERROR));
        assertThat(ch.isOpen()).isFalse();
        assertThat(children).allSatisfy(c -> assertThat(c.isOpen()).isFalse());
        ch.checkException();
        ch.finishAndReleaseAll();
    }

    @Test
    void oversizedDataFrameHeaderIsRejectedBeforeBuffering() {
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxMuxerHandler(false,
                YamuxConfig.defaults().withKeepAlive(Duration.ZERO, Duration.ZERO), echo(new ArrayList<>())));
        ByteBuf header = Unpooled.buffer().writeByte(0).writeByte(0).writeShort(YamuxFrame.FLAG_SYN).writeInt(1).writeInt(0x7FFFFFFF);
        ch.writeInbound(header);
        assertThat(decodeAll(ch)).contains(new YamuxFrame.GoAway(YamuxFrame.GoAway.PROTOCOL_ERROR));
        assertThat(ch.isOpen()).isFalse();
        ch.checkException();
        ch.finishAndReleaseAll();
    }
}
