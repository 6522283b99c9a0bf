package org.elohim.p2p.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.elohim.p2p.multistream.ChannelPair.drain;
import static org.elohim.p2p.multistream.ChannelPair.pump;
import static org.elohim.p2p.noise.CaptureVectors.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class NoiseSecureChannelHandlerTest {
    static final IdentityKey DIALER = IdentityKey.fromSeed(DIALER_SEED);
    static final IdentityKey LISTENER = IdentityKey.fromSeed(LISTENER_SEED);
    static final List<String> YAMUX = List.of("/yamux/1.0.0");
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

    static byte[] framed(byte[] m) {
        byte[] out = new byte[m.length + 2];
        out[0] = (byte) (m.length >> 8);
        out[1] = (byte) m.length;
        System.arraycopy(m, 0, out, 2, m.length);
        return out;
    }

    @Test
    void handshakeBothWaysThenTransparentEncryptionWithLargeWritesSplit() {
        NoiseSecureChannelHandler ih = new NoiseSecureChannelHandler(Role.INITIATOR, DIALER,
                Optional.of(LISTENER.peerId()), YAMUX);
        NoiseSecureChannelHandler rh = new NoiseSecureChannelHandler(Role.RESPONDER, LISTENER, Optional.empty(), YAMUX);
        Tail it = new Tail();
        Tail rt = new Tail();
        EmbeddedChannel i = embedded(ih, it);
        EmbeddedChannel r = embedded(rh, rt);
        // Written before the session exists: queued, then sent encrypted.
        i.writeAndFlush(Unpooled.wrappedBuffer("early".getBytes()));
        pump(i, r);

        assertThat(ih.session()).isCompleted();
        assertThat(rh.session()).isCompleted();
        SecureSessionEstablished atInitiator = ih.session().join();
        assertThat(atInitiator.remotePeer()).isEqualTo(LISTENER.peerId());
        assertThat(atInitiator.inlinedMuxer()).contains("/yamux/1.0.0");
        assertThat(rh.session().join().remotePeer()).isEqualTo(DIALER.peerId());
        assertThat(rh.session().join().remotePublicKey()).isEqualTo(DIALER.marshalPublicKey());
        assertThat(it.events).hasSize(1).first().isInstanceOf(SecureSessionEstablished.class);
        assertThat(rt.data.toString()).isEqualTo("early");

        byte[] big = new byte[200_000];
        new SplittableRandom(1).nextBytes(big);
        r.writeAndFlush(Unpooled.wrappedBuffer(big));
        byte[] wire = drain(r);
        // 200000 bytes = 3 full frames of 65519 + one of 3443, each + 2-byte length + 16-byte tag
        assertThat(wire).hasSize(200_000 + 4 * 18);
        int pos = 0;
        int frames = 0;
        while (pos < wire.length) {
            int len = ((wire[pos] & 0xFF) << 8) | (wire[pos + 1] & 0xFF);
            assertThat(len).isLessThanOrEqualTo(65535);
            pos += 2 + len;
            frames++;
        }
        assertThat(frames).isEqualTo(4);
        i.writeInbound(Unpooled.wrappedBuffer(wire));
        assertThat(it.data.toByteArray()).isEqualTo(big);
        assertThat(it.errors).isEmpty();
        assertThat(rt.errors).isEmpty();
    }

    @Test
    void responderHandlerReplaysCaptureByteForByte() {
        Capture c = inlinedMuxer();
        Libp2pNoiseHandshake hs = new Libp2pNoiseHandshake(Role.RESPONDER, LISTENER, Optional.empty(), YAMUX,
                RESPONDER_STATIC, RESPONDER_EPHEMERAL);
        NoiseSecureChannelHandler h = new NoiseSecureChannelHandler(hs, Duration.ofSeconds(10));
        Tail tail = new Tail();
        EmbeddedChannel ch = embedded(h, tail);
        ch.writeInbound(Unpooled.wrappedBuffer(framed(c.msg1())));
        assertThat(drain(ch)).isEqualTo(framed(c.msg2()));
        ByteBuf in = Unpooled.buffer().writeBytes(framed(c.msg3()));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (TransportFrame f : c.initiatorFrames()) {
            in.writeBytes(framed(f.ciphertext()));
            expected.writeBytes(f.plaintext());
        }
        ch.writeInbound(in); // msg3 and the first transport frames arrive in one read
        assertThat(tail.events).containsExactly(h.session().join());
        assertThat(h.session().join().inlinedMuxer()).contains("/yamux/1.0.0");
        assertThat(tail.data.toByteArray()).isEqualTo(expected.toByteArray());
        // our first transport frames are exactly what js sent
        for (TransportFrame f : c.responderFrames()) {
            ch.writeAndFlush(Unpooled.wrappedBuffer(f.plaintext()));
            assertThat(drain(ch)).isEqualTo(framed(f.ciphertext()));
        }
    }

    @Test
    void initiatorHandlerReplaysCaptureByteForByte() {
        Capture c = mssMuxer();
        Libp2pNoiseHandshake hs = new Libp2pNoiseHandshake(Role.INITIATOR, DIALER,
                Optional.of(PeerId.parse(LISTENER_PEER_ID)), List.of(), INITIATOR_STATIC, INITIATOR_EPHEMERAL);
        NoiseSecureChannelHandler h = new NoiseSecureChannelHandler(hs, Duration.ofSeconds(10));
        Tail tail = new Tail();
        EmbeddedChannel ch = embedded(h, tail);
        assertThat(drain(ch)).isEqualTo(framed(c.msg1()));
        ch.writeInbound(Unpooled.wrappedBuffer(framed(c.msg2())));
        assertThat(drain(ch)).isEqualTo(framed(c.msg3()));
        assertThat(h.session().join().inlinedMuxer()).isEmpty();
        ByteBuf in = Unpooled.buffer();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (TransportFrame f : c.responderFrames()) {
            in.writeBytes(framed(f.ciphertext()));
            expected.writeBytes(f.plaintext());
        }
        // deliver byte by byte: framing must reassemble
        while (in.isReadable()) {
            ch.writeInbound(in.readRetainedSlice(1));
        }
        in.release();
        assertThat(tail.data.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(tail.data.toString()).startsWith("\u0013/multistream/1.0.0\n");
    }

    @Test
    void wrongRemotePeerFailsTypedAndCloses() {
        IdentityKey someoneElse = IdentityKey.generate();
        NoiseSecureChannelHandler ih = new NoiseSecureChannelHandler(Role.INITIATOR, DIALER,
                Optional.of(someoneElse.peerId()), YAMUX);
        NoiseSecureChannelHandler rh = new NoiseSecureChannelHandler(Role.RESPONDER, LISTENER, Optional.empty(), YAMUX);
        Tail it = new Tail();
        EmbeddedChannel i = embedded(ih, it);
        EmbeddedChannel r = embedded(rh);
        pump(i, r);
        Throwable cause = ih.session().handle((v, e) -> e).join();
        assertThat(cause).isInstanceOf(PeerIdMismatchException.class);
        assertThat(((PeerIdMismatchException) cause).actual()).isEqualTo(LISTENER.peerId());
        assertThat(i.isOpen()).isFalse();
        assertThat(it.errors).isEmpty();
        assertThat(it.events).isEmpty();
    }

    @Test
    void muxerListsWithoutOverlapFailTheHandshake() {
        NoiseSecureChannelHandler ih = new NoiseSecureChannelHandler(Role.INITIATOR, DIALER, Optional.empty(),
                List.of("/mplex/6.7.0"));
        NoiseSecureChannelHandler rh = new NoiseSecureChannelHandler(Role.RESPONDER, LISTENER, Optional.empty(), YAMUX);
        EmbeddedChannel i = embedded(ih);
        EmbeddedChannel r = embedded(rh);
        pump(i, r);
        assertThat(ih.session().handle((v, e) -> e).join()).isInstanceOf(NoiseHandshakeException.class)
                .hasMessageContaining("no common stream muxer");
        assertThat(i.isOpen()).isFalse();
    }

    @Test
    void initiatorPreferenceWinsAndEmptyListMeansMultistreamSelect() {
        List<String> iList = List.of("/mplex/6.7.0", "/yamux/1.0.0");
        List<String> rList = List.of("/yamux/1.0.0", "/mplex/6.7.0");
        NoiseSecureChannelHandler ih = new NoiseSecureChannelHandler(Role.INITIATOR, DIALER, Optional.empty(), iList);
        NoiseSecureChannelHandler rh = new NoiseSecureChannelHandler(Role.RESPONDER, LISTENER, Optional.empty(), rList);
        pump(embedded(ih), embedded(rh));
        assertThat(ih.session().join().inlinedMuxer()).contains("/mplex/6.7.0");
        assertThat(rh.session().join().inlinedMuxer()).contains("/mplex/6.7.0");

        NoiseSecureChannelHandler ih2 = new NoiseSecureChannelHandler(Role.INITIATOR, DIALER, Optional.empty(), YAMUX);
        NoiseSecureChannelHandler rh2 = new NoiseSecureChannelHandler(Role.RESPONDER, LISTENER, Optional.empty(), List.of());
        pump(embedded(ih2), embedded(rh2));
        assertThat(ih2.session().join().inlinedMuxer()).isEmpty();
        assertThat(rh2.session().join().inlinedMuxer()).isEmpty();
    }

    @Test
    void halfOpenHandshakeTimesOut() {
        NoiseSecureChannelHandler rh = new NoiseSecureChannelHandler(Role.RESPONDER, LISTENER, Optional.empty(), YAMUX,
                Duration.ofSeconds(3));
        Tail tail = new Tail();
        EmbeddedChannel r = embedded(rh, tail);
        r.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 32, 1, 2})); // a partial first message, then silence
        r.advanceTimeBy(4, TimeUnit.SECONDS);
        r.runScheduledPendingTasks();
        assertThat(rh.session().handle((v, e) -> e).join()).isInstanceOf(NoiseHandshakeException.class)
                .hasMessageContaining("timed out");
        assertThat(r.isOpen()).isFalse();
        assertThat(tail.errors).isEmpty();
    }

    @Test
    void tamperedTransportFrameClosesWithTypedFailure() {
        NoiseSecureChannelHandler ih = new NoiseSecureChannelHandler(Role.INITIATOR, DIALER, Optional.empty(), YAMUX);
        NoiseSecureChannelHandler rh = new NoiseSecureChannelHandler(Role.RESPONDER, LISTENER, Optional.empty(), YAMUX);
        Tail rt = new Tail();
        EmbeddedChannel i = embedded(ih);
        EmbeddedChannel r = embedded(rh, rt);
        pump(i, r);
        i.writeAndFlush(Unpooled.wrappedBuffer("secret".getBytes()));
        byte[] wire = drain(i);
        wire[5] ^= 0x40;
        r.writeInbound(Unpooled.wrappedBuffer(wire));
        assertThat(r.isOpen()).isFalse();
        assertThat(rh.failure()).hasValueSatisfying(e -> assertThat(e).isInstanceOf(NoiseDecryptionException.class));
        assertThat(rt.data.size()).isZero();
        assertThat(rt.errors).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(longs = {61, 62, 63})
    void fuzzMutatedCaptureFramesNeverEscapeOrHang(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Capture c = rnd.nextBoolean() ? inlinedMuxer() : mssMuxer();
        for (int iter = 0; iter < 150; iter++) {
            boolean responder = rnd.nextBoolean();
            Libp2pNoiseHandshake hs = responder
                    ? new Libp2pNoiseHandshake(Role.RESPONDER, LISTENER, Optional.empty(), YAMUX, RESPONDER_STATIC,
                            RESPONDER_EPHEMERAL)
                    : new Libp2pNoiseHandshake(Role.INITIATOR, DIALER, Optional.empty(), YAMUX, INITIATOR_STATIC,
                            INITIATOR_EPHEMERAL);
            NoiseSecureChannelHandler h = new NoiseSecureChannelHandler(hs, Duration.ofSeconds(5));
            Tail tail = new Tail();
            EmbeddedChannel ch = embedded(h, tail);
            ByteBuf in = Unpooled.buffer();
            if (responder) {
                in.writeBytes(framed(c.msg1())).writeBytes(framed(c.msg3()));
                c.initiatorFrames().forEach(f -> in.writeBytes(framed(f.ciphertext())));
            } else {
                in.writeBytes(framed(c.msg2()));
                c.responderFrames().forEach(f -> in.writeBytes(framed(f.ciphertext())));
            }
            byte[] b = ByteBufUtil.getBytes(in);
            in.release();
            int mode = rnd.nextInt(3);
            if (mode == 0) {
                for (int f = 0; f <= rnd.nextInt(3); f++) {
                    b[rnd.nextInt(b.length)] ^= (byte) (1 + rnd.nextInt(255));
                }
            } else if (mode == 1) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            } else {
                rnd.nextBytes(b);
            }
            int pos = 0;
            while (pos < b.length && ch.isOpen()) {
                int n = 1 + rnd.nextInt(b.length - pos);
                ch.writeInbound(Unpooled.wrappedBuffer(b, pos, n));
                pos += n;
            }
            ch.advanceTimeBy(6, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
            assertThat(tail.errors).isEmpty();
            assertThat(h.session()).isDone();
            if (h.failure().isPresent()) {
                assertThat(ch.isOpen()).isFalse();
                assertThat(h.failure().get()).isInstanceOf(NoiseException.class);
            }
            ch.finishAndReleaseAll();
        }
    }
}
