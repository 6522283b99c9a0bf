package org.elohim.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.elohim.api.v1.Ack;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The engine's rules on in-memory stores, a hand-run executor and a fake clock. */
class SyncSessionTest {
    private final SplittableRandom rnd = new SplittableRandom(7);

    private byte[] change() {
        byte[] b = new byte[32];
        rnd.nextBytes(b);
        return b;
    }

    private static void assertConverged(InMemoryStore x, InMemoryStore y) {
        assertThat(x.docs.keySet()).isEqualTo(y.docs.keySet());
        for (String id : x.docs.keySet()) assertThat(x.content(id)).as(id).isEqualTo(y.content(id));
    }

    private static long count(java.util.List<SyncMessage> ms, SyncMessage.BodyCase c) {
        return ms.stream().filter(m -> m.getBodyCase() == c).count();
    }

    @Test
    void bothDirectionsConvergeAndPositionsAreStored() {
        InMemoryStore a = new InMemoryStore();
        InMemoryStore b = new InMemoryStore();
        b.epoch = 0x2222;
        for (int i = 0; i < 7; i++) a.edit("a" + i, change());
        for (int i = 0; i < 5; i++) b.edit("b" + i, change());
        a.edit("shared", change());
        b.edit("shared", change());
        Pair p = new Pair(a, b).start();
        assertThat(p.inSync()).isTrue();
        assertConverged(a, b);
        assertThat(a.peers.get("b").read()).isEqualTo(new Position(b.epoch, b.seq));
        assertThat(b.peers.get("a").read()).isEqualTo(new Position(a.epoch, a.seq));

        // Live: a commit wakes the session.
        a.edit("a0", change());
        p.a.session.onLocalCommit(a.seq);
        p.run();
        assertThat(p.inSync()).isTrue();
        assertConverged(a, b);
    }

    @Test
    void aBurstOfCommitsWakesTheSessionOnce() {
        InMemoryStore a = new InMemoryStore();
        InMemoryStore b = new InMemoryStore();
        Pair p = new Pair(a, b).start();
        int reads = a.eventReads;
        for (int i = 0; i < 50; i++) {
            a.edit("d" + i, change());
            p.a.session.onLocalCommit(a.seq);
        }
        // All 50 wakes before the session ran once: one task, one read of the stream to start with.
        assertThat(p.tasks).hasSize(1);
        p.tasks.poll().run();
        assertThat(a.eventReads).isEqualTo(reads + 1);
        p.run();
        assertThat(p.inSync()).isTrue();
        assertConverged(a, b);
    }

    @Test
    void aStorageFailureEndsTheSessionWithoutAcknowledgingAndTheNextSessionConverges() {
        InMemoryStore a = new InMemoryStore();
        InMemoryStore b = new InMemoryStore();
        b.epoch = 0x2222;
        for (int i = 0; i < 6; i++) a.edit("d" + i, change());
        b.failApply = id -> id.equals("d3"); // the disk fills up while d3 is stored
        Pair p = new Pair(a, b).start();
        assertThat(p.b.end).isNotNull();
        assertThat(p.b.end.storageFailure()).isTrue();
        // Nothing acknowledged at or past the batch of d3 (batches of 2: d3 is in (2, 4]).
        assertThat(p.a.received).filteredOn(SyncMessage::hasAck)
                .allSatisfy(m -> assertThat(m.getAck().getPosition().getSeq()).isLessThanOrEqualTo(2));
        assertThat(b.peers.getOrDefault("a", PeerState.NONE).read().seq()).isLessThanOrEqualTo(2);
        assertThat(p.a.received).filteredOn(SyncMessage::hasError)
                .extracting(m -> m.getError().getCode()).contains(SyncError.Code.INTERNAL);

        b.failApply = id -> false; // the fault clears
        Pair again = new Pair(a, b).start();
        assertThat(again.inSync()).isTrue();
        assertConverged(a, b);
        assertThat(b.peers.get("a").read()).isEqualTo(new Position(a.epoch, a.seq));
    }

    @Test
    void aPeerThatReadPastMyEndMakesMeStartANewEpochAndRescan() {
        InMemoryStore a = new InMemoryStore();
        InMemoryStore b = new InMemoryStore();
        b.epoch = 0x2222;
        for (int i = 0; i < 4; i++) a.edit("d" + i, change());
        new Pair(a, b).start();
        assertThat(b.peers.get("a").read()).isEqualTo(new Position(a.epoch, 4));
        // a's stream goes back (a damaged log lost its last two events) in the same epoch.
        a.events.remove(4L);
        a.events.remove(3L);
        a.docs.remove("d3");
        a.docs.remove("d2");
        a.seq = 2;
        a.edit("after", change()); // seq 3 again, a different event: b must not skip it
        long oldEpoch = a.epoch;
        Pair p = new Pair(a, b).start();
        assertThat(a.newEpochs).isEqualTo(1);
        assertThat(a.epoch).isNotEqualTo(oldEpoch);
        // a ends the session (it named old positions in its Hello) and forgot what it had read.
        assertThat(p.a.end).isNotNull();
        assertThat(p.a.end.storageFailure()).isFalse();
        assertThat(a.peers.get("b").read()).isEqualTo(Position.NONE);

        Pair again = new Pair(a, b).start();
        assertThat(again.b.received).filteredOn(SyncMessage::hasEvents).first()
                .satisfies(m -> assertThat(m.getEvents().getRescan()).isTrue());
        assertThat(again.inSync()).isTrue();
        assertThat(b.content("after")).isEqualTo(a.content("after"));
        assertConverged(a, b); // and what a lost comes back from b
        assertThat(b.peers.get("a").read()).isEqualTo(new Position(a.epoch, a.seq));
    }

    @Test
    void anAckBeyondWhatWasSentIsRefused() {
        InMemoryStore a = new InMemoryStore();
        InMemoryStore b = new InMemoryStore();
        a.edit("d", change());
        Pair p = new Pair(a, b).start();
        Position acked = a.peers.get("b").acked();
        p.b.send(SyncMessage.newBuilder().setAck(Ack.newBuilder().setPosition(new Position(a.epoch, 99).toProto())).build());
        p.run();
        assertThat(a.peers.get("b").acked()).isEqualTo(acked);
        assertThat(p.b.received).filteredOn(SyncMessage::hasError).last()
                .satisfies(m -> assertThat(m.getError().getMessage()).contains("beyond"));
    }

    @Test
    void morePeerMessagesThanGrantedEndTheSession() {
        InMemoryStore a = new InMemoryStore();
        Pair p = new Pair(a, new InMemoryStore());
        // The session has granted nothing yet (not started): 65 messages are 65 too many for a window of 64.
        for (int i = 0; i <= 64; i++) {
            p.a.session.receive(SyncMessage.newBuilder().setAck(Ack.getDefaultInstance()).build());
        }
        p.run();
        assertThat(p.a.end).isNotNull();
        assertThat(p.a.end.protocolError()).isTrue();
        assertThat(p.a.session.status().inboundQueued()).isZero();
    }

    @Test
    void eventsWaitWhileTheTransportIsNotWritable() {
        InMemoryStore a = new InMemoryStore();
        InMemoryStore b = new InMemoryStore();
        for (int i = 0; i < 9; i++) a.edit("d" + i, change());
        Pair p = new Pair(a, b);
        p.a.writable = false;
        p.start();
        assertThat(count(p.b.received, SyncMessage.BodyCase.EVENTS)).isZero();
        assertThat(p.a.session.isInSync()).isFalse();
        p.a.writable = true;
        p.a.session.onWritable();
        p.run();
        assertThat(p.inSync()).isTrue();
        assertConverged(a, b);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void lostMessagesAreRecoveredByTimeoutsOnTheFakeClock(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        InMemoryStore a = new InMemoryStore();
        InMemoryStore b = new InMemoryStore();
        b.epoch = 0x2222;
        for (int i = 0; i < 8; i++) a.edit("a" + i, change());
        for (int i = 0; i < 8; i++) b.edit("b" + i, change());
        Pair p = new Pair(a, b);
        int[] dropped = {0};
        java.util.function.Predicate<SyncMessage> lossy = m -> !m.hasHello() && dropped[0] < 6
                && r.nextInt(4) == 0 && ++dropped[0] > 0;
        p.a.drop = lossy;
        p.b.drop = lossy;
        p.start();
        for (int i = 0; i < 50 && !p.inSync(); i++) {
            p.clock.addAndGet(10_000);
            p.a.session.tick();
            p.b.session.tick();
            p.run();
        }
        assertThat(p.inSync()).isTrue();
        assertConverged(a, b);
    }
}
