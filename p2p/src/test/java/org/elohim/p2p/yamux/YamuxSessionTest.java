package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class YamuxSessionTest {

    private static final int KIB = 1024;
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final RecordingListener out = new RecordingListener();

    private YamuxSession session(boolean initiator, YamuxConfig config) {
        return new YamuxSession(initiator, config, clock::get, out);
    }

    private YamuxSession session(boolean initiator) {
        return session(initiator, YamuxConfig.defaults());
    }

    private static ByteBuf bytes(int n) {
        return Unpooled.wrappedBuffer(new byte[n]);
    }

    @Test
    void opensStreamsWithWindowUpdateSynAndOddIdsAsInitiator() {
        YamuxSession s = session(true);
        assertThat(s.openStream()).isEqualTo(1);
        assertThat(s.openStream()).isEqualTo(3);
        assertThat(out.sent).containsExactly(
                new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_SYN, 0),
                new YamuxFrame.WindowUpdate(3, YamuxFrame.FLAG_SYN, 0));
        YamuxSession r = new YamuxSession(false, YamuxConfig.defaults(), clock::get, new RecordingListener());
        assertThat(r.openStream()).isEqualTo(2);
    }

    @Test
    void acceptsPeerStreamWithAckAndDeliversDataFinAndCleansUp() {
        YamuxSession s = session(false);
        s.onFrame(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_SYN, 0));
        assertThat(out.sent).containsExactly(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_ACK, 0));
        s.onFrame(new YamuxFrame.Data(1, 0, bytes(36)));
        s.onFrame(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_FIN, 0));
        assertThat(out.events).containsExactly("opened 1", "data 1 36", "fin 1");
        assertThat(s.streamCount()).isEqualTo(1);
        s.closeWrite(1);
        assertThat(out.last()).isEqualTo(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_FIN, 0));
        assertThat(s.streamCount()).isZero();
        out.clear();
    }

    @Test
    void answersPingsAndMeasuresRtt() {
        YamuxSession s = session(true);
        s.start();
        YamuxFrame.Ping ping = (YamuxFrame.Ping) out.last();
        assertThat(ping.flags()).isEqualTo(YamuxFrame.FLAG_SYN);
        clock.addAndGet(3_000_000);
        s.onFrame(new YamuxFrame.Ping(YamuxFrame.FLAG_ACK, ping.opaque()));
        assertThat(s.rttNanos()).isEqualTo(3_000_000);
        s.onFrame(new YamuxFrame.Ping(YamuxFrame.FLAG_SYN, 77));
        assertThat(out.last()).isEqualTo(new YamuxFrame.Ping(YamuxFrame.FLAG_ACK, 77));
    }

    @Test
    void keepAlivePingsPeriodicallyAndFailsWhenUnanswered() {
        YamuxSession s = session(true, YamuxConfig.defaults().withKeepAlive(Duration.ofSeconds(30), Duration.ofSeconds(10)));
        s.tick();
        assertThat(out.sent).isEmpty();
        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        s.tick();
        YamuxFrame.Ping ping = (YamuxFrame.Ping) out.last();
        clock.addAndGet(Duration.ofSeconds(1).toNanos());
        s.onFrame(new YamuxFrame.Ping(YamuxFrame.FLAG_ACK, ping.opaque()));
        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        s.tick();
        assertThat(out.sent).hasSize(2);
        clock.addAndGet(Duration.ofSeconds(10).toNanos());
        s.tick();
        assertThat(out.failure).isInstanceOf(TimeoutException.class);
        assertThat(out.last()).isEqualTo(new YamuxFrame.GoAway(YamuxFrame.GoAway.INTERNAL_ERROR));
        assertThat(s.isTerminated()).isTrue();
    }

    @Test
    void writesRespectTheSendWindowAndResumeOnWindowUpdate() {
        YamuxSession s = session(true);
        int id = s.openStream();
        out.clear();
        ByteBuf data = bytes(300 * KIB);
        int sent = s.write(id, data);
        assertThat(sent).isEqualTo(256 * KIB);
        assertThat(data.readableBytes()).isEqualTo(44 * KIB);
        assertThat(out.sent).allSatisfy(f -> assertThat(((YamuxFrame.Data) f).length()).isLessThanOrEqualTo(65507));
        assertThat(s.sendWindow(id)).isZero();
        s.onFrame(new YamuxFrame.WindowUpdate(id, YamuxFrame.FLAG_ACK, 100 * KIB));
        assertThat(out.events).containsExactly("writable " + id);
        assertThat(s.write(id, data)).isEqualTo(44 * KIB);
        assertThat(s.sendWindow(id)).isEqualTo(56 * KIB);
        out.clear();
    }

    @Test
    void dataBeyondTheReceiveWindowIsAProtocolError() {
        YamuxSession s = session(false);
        s.onFrame(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_SYN, 0));
        s.onFrame(new YamuxFrame.Data(1, 0, bytes(200 * KIB)));
        ByteBuf excess = bytes(57 * KIB);
        s.onFrame(new YamuxFrame.Data(1, 0, excess));
        assertThat(excess.refCnt()).isZero();
        assertThat(out.failure).isInstanceOf(YamuxProtocolException.class).hasMessageContaining("window exceeded");
        assertThat(out.last()).isEqualTo(new YamuxFrame.GoAway(YamuxFrame.GoAway.PROTOCOL_ERROR));
        assertThat(out.events).contains("rst 1");
        out.clear();
    }

    @Test
    void windowUpdateAfterHalfConsumedAndAutoTuningUpTo16MiB() {
        YamuxSession s = session(false);
        s.start();
        YamuxFrame.Ping ping = (YamuxFrame.Ping) out.last();
        clock.addAndGet(1_000_000); // RTT 1 ms
        s.onFrame(new YamuxFrame.Ping(YamuxFrame.FLAG_ACK, ping.opaque()));
        s.onFrame(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_SYN, 0));
        out.clear();

        // A slow reader (epoch longer than 4 RTT): plain re-grant, no growth.
        s.onFrame(new YamuxFrame.Data(1, 0, bytes(100 * KIB)));
        clock.addAndGet(10_000_000);
        s.consumed(1, 100 * KIB);
        assertThat(out.sent).isEmpty(); // less than half used
        s.onFrame(new YamuxFrame.Data(1, 0, bytes(60 * KIB)));
        s.consumed(1, 60 * KIB);
        assertThat(out.sent).containsExactly(new YamuxFrame.WindowUpdate(1, 0, 160 * KIB));
        assertThat(s.receiveWindow(1)).isEqualTo(256 * KIB);

        // A fast reader: each window is used within 4 RTT, so the window doubles up to the cap.
        long window = 256 * KIB;
        for (int i = 0; i < 12; i++) {
            out.clear();
            clock.addAndGet(500_000);
            int chunk = (int) window;
            s.onFrame(new YamuxFrame.Data(1, 0, bytes(chunk)));
            s.consumed(1, chunk);
            window = s.receiveWindow(1);
            assertThat(out.sent).hasSize(1);
        }
        assertThat(s.receiveWindow(1)).isEqualTo(16 * 1024 * KIB);
        out.clear();
    }

    @Test
    void unconsumedDataHoldsTheWindowClosed() {
        YamuxSession s = session(false);
        s.onFrame(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_SYN, 0));
        out.clear();
        s.onFrame(new YamuxFrame.Data(1, 0, bytes(200 * KIB)));
        s.consumed(1, 10 * KIB);
        assertThat(out.sent).isEmpty();
        s.consumed(1, 190 * KIB);
        assertThat(out.sent).containsExactly(new YamuxFrame.WindowUpdate(1, 0, 200 * KIB));
        out.clear();
    }

    @Test
    void streamFloodBeyondMaxStreamsIsResetButSessionSurvives() {
        YamuxSession s = session(false, YamuxConfig.defaults().withMaxStreams(4));
        for (int i = 0; i < 10; i++) {
            s.onFrame(new YamuxFrame.WindowUpdate(2 * i + 1, YamuxFrame.FLAG_SYN, 0));
        }
        assertThat(s.streamCount()).isEqualTo(4);
        assertThat(out.sent.stream().filter(f -> f.hasFlag(YamuxFrame.FLAG_RST))).hasSize(6);
        assertThat(s.isTerminated()).isFalse();
    }

    @Test
    void ackBacklogLimitsUnacknowledgedOutboundStreams() {
        YamuxSession s = session(true, YamuxConfig.defaults().withMaxAckBacklog(3));
        s.openStream();
        s.openStream();
        s.openStream();
        assertThatThrownBy(s::openStream).isInstanceOf(YamuxStreamLimitException.class).hasMessageContaining("backlog");
        s.onFrame(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_ACK, 0));
        assertThat(s.openStream()).isEqualTo(7);
    }

    @Test
    void protocolViolationsFailTheSession() {
        YamuxSession a = session(true);
        a.onFrame(new YamuxFrame.WindowUpdate(3, YamuxFrame.FLAG_SYN, 0)); // our parity
        assertThat(out.failure).isInstanceOf(YamuxProtocolException.class);
        out.clear();
        YamuxSession b = session(false);
        b.onFrame(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_SYN, 0));
        b.onFrame(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_SYN, 0)); // duplicate
        assertThat(out.failure).hasMessageContaining("duplicate");
        out.clear();
        YamuxSession c = session(false);
        c.onFrame(new YamuxFrame.WindowUpdate(1, YamuxFrame.FLAG_SYN, 0xFFFFFFFFL)); // overflow
        assertThat(out.failure).hasMessageContaining("overflow");
        out.clear();
        YamuxSession d = session(false);
        d.onFrame(new YamuxFrame.Data(0, 0, bytes(1)));
        assertThat(out.failure).hasMessageContaining("stream 0");
    }

    @Test
    void resetAndGoAway() {
        YamuxSession s = session(true);
        int id = s.openStream();
        s.onFrame(new YamuxFrame.WindowUpdate(id, YamuxFrame.FLAG_RST, 0));
        assertThat(out.events).containsExactly("rst " + id);
        ByteBuf late = bytes(10);
        s.onFrame(new YamuxFrame.Data(id, 0, late)); // late data for a reset stream is dropped
        assertThat(late.refCnt()).isZero();
        s.onFrame(new YamuxFrame.GoAway(0));
        assertThat(s.isRemoteGoAway()).isTrue();
        assertThatThrownBy(s::openStream).isInstanceOf(YamuxStreamLimitException.class);
        int before = out.sent.size();
        s.goAway(0);
        assertThat(out.sent).hasSize(before + 1);
        assertThat(out.last()).isEqualTo(new YamuxFrame.GoAway(0));
        assertThat(s.isTerminated()).isTrue();
    }
}
