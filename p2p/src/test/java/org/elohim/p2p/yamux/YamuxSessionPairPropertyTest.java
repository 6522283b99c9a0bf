package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two sessions wired back to back through the codec (no sockets, fake clock), driven by seeded random operations:
 * every byte written arrives intact and in order, windows are never exceeded (a violation would fail a session),
 * and every stream ends closed on both sides.
 */
class YamuxSessionPairPropertyTest {

    static IntStream seeds() {
        return IntStream.range(0, 40);
    }

    /** One side: its session, the frames it sent (encoded), what its streams received, what it still must write. */
    private static final class Side implements YamuxSessionListener {
        final ArrayDeque<ByteBuf> wire = new ArrayDeque<>();
        final Map<Integer, ByteArrayOutputStream> received = new HashMap<>();
        final Map<Integer, Integer> unconsumed = new HashMap<>();
        final Map<Integer, ByteBuf> pending = new HashMap<>();
        final List<Integer> finished = new ArrayList<>();
        final List<Integer> opened = new ArrayList<>();
        YamuxSession session;
        Exception failure;

        @Override
        public void sendFrame(YamuxFrame frame) {
            ByteBuf b = Unpooled.buffer();
            YamuxFrameCodec.encode(frame, b);
            if (frame instanceof YamuxFrame.Data d) {
                d.payload().release();
            }
            wire.add(b);
        }

        @Override
        public void streamOpened(int id) {
            opened.add(id);
        }

        @Override
        public void streamData(int id, ByteBuf data) {
            ByteArrayOutputStream out = received.computeIfAbsent(id, k -> new ByteArrayOutputStream());
            byte[] b = new byte[data.readableBytes()];
            data.readBytes(b);
            data.release();
            out.writeBytes(b);
            unconsumed.merge(id, b.length, Integer::sum);
        }

        @Override
        public void streamRemoteClosed(int id) {
            finished.add(id);
        }

        @Override
        public void streamReset(int id) {
            failure = new IllegalStateException("unexpected reset of " + id);
        }

        @Override
        public void streamWritable(int id) {
        }

        @Override
        public void sessionFailed(Exception cause) {
            failure = cause;
        }

        /** Lets the reader consume up to {@code max} bytes of one stream. */
        void consume(SplittableRandom r, int max) {
            for (Map.Entry<Integer, Integer> e : unconsumed.entrySet()) {
                if (e.getValue() > 0) {
                    int n = Math.min(e.getValue(), 1 + r.nextInt(max));
                    e.setValue(e.getValue() - n);
                    session.consumed(e.getKey(), n);
                    return;
                }
            }
        }

        void pump() {
            for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (session.sendWindow(e.getKey()) > 0) {
                    session.write(e.getKey(), e.getValue());
                }
                if (!e.getValue().isReadable()) {
                    session.closeWrite(e.getKey());
                    it.remove();
                }
            }
        }
    }

    /** Moves some encoded frames from one side's wire into the other session. */
    private static void deliver(Side from, Side to, SplittableRandom r) {
        int n = 1 + r.nextInt(Math.max(1, from.wire.size()));
        ByteBuf acc = Unpooled.buffer();
        for (int i = 0; i < n && !from.wire.isEmpty(); i++) {
            ByteBuf b = from.wire.poll();
            acc.writeBytes(b);
            b.release();
        }
        YamuxFrame f;
        while ((f = YamuxFrameCodec.decode(acc, 16 << 20)) != null) {
            to.session.onFrame(f);
        }
        assertThat(acc.isReadable()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void everyByteArrivesAndEveryStreamCloses(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        AtomicLong clock = new AtomicLong();
        Side a = new Side();
        Side b = new Side();
        a.session = new YamuxSession(true, YamuxConfig.defaults(), clock::get, a);
        b.session = new YamuxSession(false, YamuxConfig.defaults(), clock::get, b);
        a.session.start();
        b.session.start();

        Map<Integer, byte[]> sentByA = new HashMap<>();
        Map<Integer, byte[]> sentByB = new HashMap<>();
        int streams = 1 + r.nextInt(12);
        for (int i = 0; i < streams; i++) {
            boolean fromA = r.nextBoolean();
            Side s = fromA ? a : b;
            int id = s.session.openStream();
            byte[] data = new byte[r.nextInt(4) == 0 ? r.nextInt(3 << 20) : r.nextInt(70_000)];
            r.nextBytes(data);
            (fromA ? sentByA : sentByB).put(id, data);
            s.pending.put(id, Unpooled.wrappedBuffer(data));
        }
        // The receiving side answers every stream by finishing its own half once the peer's FIN arrived.
        for (int step = 0; step < 200_000; step++) {
            clock.addAndGet(r.nextInt(2_000_000));
            a.pump();
            b.pump();
            switch (r.nextInt(4)) {
                case 0 -> deliver(a, b, r);
                case 1 -> deliver(b, a, r);
                case 2 -> a.consume(r, 600_000);
                default -> b.consume(r, 600_000);
            }
            for (Side s : List.of(a, b)) {
                for (int id : s.finished) {
                    if (s.opened.contains(id)) {
                        s.session.closeWrite(id); // responder half-close after the initiator's FIN
                    }
                }
            }
            assertThat(a.failure).isNull();
            assertThat(b.failure).isNull();
            boolean idle = a.wire.isEmpty() && b.wire.isEmpty() && a.pending.isEmpty() && b.pending.isEmpty()
                    && a.unconsumed.values().stream().allMatch(v -> v == 0)
                    && b.unconsumed.values().stream().allMatch(v -> v == 0);
            if (idle && a.session.streamCount() == 0 && b.session.streamCount() == 0) {
                break;
            }
        }
        assertThat(a.session.streamCount()).isZero();
        assertThat(b.session.streamCount()).isZero();
        sentByA.forEach((id, data) -> assertThat(b.received.getOrDefault(id, new ByteArrayOutputStream()).toByteArray())
                .as("stream %d a->b", id).isEqualTo(data));
        sentByB.forEach((id, data) -> assertThat(a.received.getOrDefault(id, new ByteArrayOutputStream()).toByteArray())
                .as("stream %d b->a", id).isEqualTo(data));
    }
}
