package org.elohim.p2p.multistream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.elohim.p2p.multistream.ChannelPair.drain;
import static org.elohim.p2p.multistream.ChannelPair.pump;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class MultistreamHandlersTest {
    static final HexFormat HEX = HexFormat.of();
    static final byte[] CAPTURED = HEX.parseHex(MultistreamCodecTest.CAPTURED);
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    /** Channels are released after each test so that the leak detector sees only real leaks. */
    private EmbeddedChannel embedded(io.netty.channel.ChannelHandler... handlers) {
        EmbeddedChannel ch = new EmbeddedChannel(handlers);
        channels.add(ch);
        return ch;
    }

    @org.junit.jupiter.api.AfterEach
    void releaseChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** Records what reaches the end of the pipeline. */
    static final class Tail extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        final List<Object> events = new ArrayList<>();
        final List<Throwable> errors = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            data.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }

    @Test
    void dialerSendsHeaderAndProposalInOneWriteLikeJs() {
        EmbeddedChannel ch = embedded(new MultistreamDialer(List.of("/noise")));
        ByteBuf first = ch.readOutbound();
        assertThat(ByteBufUtil.getBytes(first)).isEqualTo(CAPTURED);
        first.release();
        assertThat((Object) ch.readOutbound()).isNull();
    }

    @Test
    void listenerAnswersCapturedDialerWithCapturedBytes() {
        MultistreamListener listener = new MultistreamListener(Set.of("/noise"));
        Tail tail = new Tail();
        EmbeddedChannel ch = embedded(listener, tail);
        ch.writeInbound(Unpooled.wrappedBuffer(CAPTURED));
        assertThat(drain(ch)).isEqualTo(CAPTURED);
        assertThat(listener.protocol()).isCompletedWithValue("/noise");
        assertThat(ch.pipeline().get(MultistreamListener.class)).isNull();
        assertThat(tail.events).containsExactly(new MultistreamNegotiated("/noise"));
    }

    @Test
    void dialerAcceptsCapturedListenerAnswer() {
        MultistreamDialer dialer = new MultistreamDialer(List.of("/noise"));
        EmbeddedChannel ch = embedded(dialer);
        drain(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(CAPTURED));
        assertThat(dialer.protocol()).isCompletedWithValue("/noise");
        assertThat(ch.pipeline().get(MultistreamDialer.class)).isNull();
    }

    @Test
    void negotiatesPastNaAndForwardsLeftoverBytesToTheNextHandler() {
        MultistreamDialer dialer = new MultistreamDialer(List.of("/a/1.0.0", "/b/1.0.0"));
        MultistreamListener listener = new MultistreamListener(Set.of("/b/1.0.0", "/c/1.0.0"));
        Tail dialerTail = new Tail();
        Tail listenerTail = new Tail();
        EmbeddedChannel d = embedded(dialer, dialerTail);
        EmbeddedChannel l = embedded(listener, listenerTail);
        // The dialer speaks the protocol right after it is accepted (as soon as the future completes).
        dialer.protocol().thenAccept(p -> d.writeAndFlush(Unpooled.wrappedBuffer("ping".getBytes())));
        pump(d, l);
        assertThat(dialer.protocol()).isCompletedWithValue("/b/1.0.0");
        assertThat(listener.protocol()).isCompletedWithValue("/b/1.0.0");
        assertThat(listenerTail.data.toString()).isEqualTo("ping");
        assertThat(d.isOpen()).isTrue();
        assertThat(l.isOpen()).isTrue();
    }

    @Test
    void leftoverBytesInTheSameReadReachAHandlerAddedOnCompletion() {
        MultistreamListener listener = new MultistreamListener(Set.of("/noise"));
        EmbeddedChannel ch = embedded(listener);
        Tail proto = new Tail();
        listener.protocol().thenAccept(p -> ch.pipeline().addLast(proto));
        ByteBuf in = Unpooled.buffer().writeBytes(CAPTURED).writeBytes("early data".getBytes());
        ch.writeInbound(in);
        assertThat(proto.data.toString()).isEqualTo("early data");
    }

    @Test
    void allRefusedFailsWithProtocolNotSupportedAndCloses() {
        MultistreamDialer dialer = new MultistreamDialer(List.of("/x", "/y"));
        MultistreamListener listener = new MultistreamListener(Set.of("/z"));
        EmbeddedChannel d = embedded(dialer);
        EmbeddedChannel l = embedded(listener);
        pump(d, l);
        assertThat(dialer.protocol()).isCompletedExceptionally();
        assertThat(dialer.protocol().handle((v, e) -> e).join()).isInstanceOf(ProtocolNotSupportedException.class);
        assertThat(d.isOpen()).isFalse();
        assertThat(listener.protocol()).isNotDone(); // the listener just waits (closed by its peer in real life)
    }

    @Test
    void listenerAnswersLsThenAcceptsProposal() {
        MultistreamListener listener = new MultistreamListener(Set.of("/only/1.0.0"));
        EmbeddedChannel l = embedded(listener);
        ByteBuf in = Unpooled.buffer().writeBytes(MultistreamCodec.encode(MultistreamCodec.PROTOCOL_ID))
                .writeBytes(MultistreamCodec.encode("ls"));
        l.writeInbound(in);
        ByteBuf out = Unpooled.wrappedBuffer(drain(l));
        assertThat(MultistreamCodec.tryDecode(out)).isEqualTo(MultistreamCodec.PROTOCOL_ID);
        assertThat(MultistreamCodec.decodeLsResponse(MultistreamCodec.tryReadFrame(out))).containsExactly("/only/1.0.0");
        l.writeInbound(Unpooled.wrappedBuffer(MultistreamCodec.encode("/only/1.0.0")));
        assertThat(listener.protocol()).isCompletedWithValue("/only/1.0.0");
    }

    @Test
    void timesOutHalfOpenNegotiation() {
        MultistreamListener listener = new MultistreamListener(s -> true, List::of, Duration.ofSeconds(5), 8);
        Tail tail = new Tail();
        EmbeddedChannel l = embedded(listener, tail);
        l.writeInbound(Unpooled.wrappedBuffer(MultistreamCodec.encode(MultistreamCodec.PROTOCOL_ID)));
        l.advanceTimeBy(6, TimeUnit.SECONDS);
        l.runScheduledPendingTasks();
        assertThat(listener.protocol().handle((v, e) -> e).join()).isInstanceOf(NegotiationTimeoutException.class);
        assertThat(l.isOpen()).isFalse();
        assertThat(tail.errors).isEmpty();
    }

    @Test
    void tooManyProposalsCloses() {
        MultistreamListener listener = new MultistreamListener(s -> false, List::of, Duration.ofSeconds(5), 4);
        EmbeddedChannel l = embedded(listener);
        ByteBuf in = Unpooled.buffer().writeBytes(MultistreamCodec.encode(MultistreamCodec.PROTOCOL_ID));
        for (int i = 0; i < 10; i++) {
            in.writeBytes(MultistreamCodec.encode("/p/" + i));
        }
        l.writeInbound(in);
        assertThat(listener.protocol().handle((v, e) -> e).join()).isInstanceOf(ProtocolNotSupportedException.class);
        assertThat(l.isOpen()).isFalse();
    }

    @Test
    void wrongHeaderAndOversizedMessageClose() {
        MultistreamListener listener = new MultistreamListener(Set.of("/a"));
        EmbeddedChannel l = embedded(listener);
        l.writeInbound(Unpooled.wrappedBuffer(MultistreamCodec.encode("/multistream/2.0.0")));
        assertThat(listener.protocol()).isCompletedExceptionally();
        assertThat(l.isOpen()).isFalse();

        MultistreamDialer dialer = new MultistreamDialer(List.of("/a"));
        EmbeddedChannel d = embedded(dialer);
        d.writeInbound(Unpooled.wrappedBuffer(HEX.parseHex("8110")));
        assertThat(dialer.protocol().handle((v, e) -> e).join()).isInstanceOf(MultistreamException.class);
        assertThat(d.isOpen()).isFalse();
    }

    @Test
    void channelCloseFailsPendingNegotiation() {
        MultistreamDialer dialer = new MultistreamDialer(List.of("/a"));
        EmbeddedChannel d = embedded(dialer);
        d.close();
        assertThat(dialer.protocol()).isCompletedExceptionally();
    }

    @ParameterizedTest
    @ValueSource(longs = {41, 42, 43})
    void fuzzedInputNeverEscapesAsUnhandledException(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] good = new byte[CAPTURED.length + 10];
        System.arraycopy(CAPTURED, 0, good, 0, CAPTURED.length);
        for (int i = 0; i < 700; i++) {
            boolean dialerSide = rnd.nextBoolean();
            MultistreamNegotiator h = dialerSide ? new MultistreamDialer(List.of("/noise", "/tls/1.0.0"))
                    : new MultistreamListener(Set.of("/noise"));
            Tail tail = new Tail();
            EmbeddedChannel ch = embedded(h, tail);
            byte[] b = good.clone();
            for (int f = 0; f <= rnd.nextInt(4); f++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            int pos = 0;
            while (pos < b.length && ch.isOpen()) {
                int n = 1 + rnd.nextInt(b.length - pos);
                ch.writeInbound(Unpooled.wrappedBuffer(b, pos, n));
                pos += n;
            }
            ch.advanceTimeBy(11, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
            assertThat(tail.errors).isEmpty();
            assertThat(h.protocol()).isDone(); // succeeded, failed, or timed out: never hangs
            if (h.protocol().isCompletedExceptionally()) {
                assertThat(ch.isOpen()).isFalse();
                Throwable cause = h.protocol().handle((v, e) -> e).join();
                assertThat(cause).isInstanceOf(MultistreamException.class);
            }
            ch.finishAndReleaseAll();
        }
    }
}
