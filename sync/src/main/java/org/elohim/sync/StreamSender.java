package org.elohim.sync;

import java.util.ArrayDeque;
import java.util.List;
import org.elohim.api.v1.Ack;
import org.elohim.api.v1.Event;
import org.elohim.api.v1.Events;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending half of a session: my stream's events after the peer's position, a few batches
 * ahead of its Acks, only while the transport is writable; back to the last Ack when Acks stop;
 * a rescan from the start when the peer's position names another epoch; a new epoch when the
 * peer says it has read past my end. Runs on the session's executor.
 */
final class StreamSender {
    private static final Logger log = LoggerFactory.getLogger(StreamSender.class);

    private record SentBatch(long through, long sentAt) {
    }

    private final SyncSession s;
    private long myEpoch;
    private long myEnd;
    private long sendNext;
    private long peerAcked;
    /** The highest seq listed to the peer in this epoch: it cannot acknowledge beyond it (or its Hello). */
    private long sentHigh;
    private boolean rescan;
    private boolean caughtUpSent;
    private final ArrayDeque<SentBatch> sent = new ArrayDeque<>();
    private boolean sending;
    private boolean helloHandled;
    private long speculativeFrom = -1;
    private boolean pumping;
    private boolean pumpAgain;
    /** Bumped whenever the sending position is reset, so a read started before is not used. */
    private long generation;
    /** Something may have added to my stream without telling its seq (changes received and stored). */
    private boolean mayHaveGrown = true;

    StreamSender(SyncSession session) {
        this.s = session;
    }

    void init(Position mine) {
        myEpoch = mine.epoch();
        myEnd = mine.seq();
    }

    /** Before the peer's Hello: from the position it last acknowledged, if that is in my current epoch. */
    void startEarly(Position acked) {
        if (acked.epoch() != myEpoch || acked.seq() > myEnd) return;
        sendNext = acked.seq();
        peerAcked = acked.seq();
        speculativeFrom = acked.seq();
        sending = true;
        pump();
    }

    /** The peer's Hello says how far it has read my stream; {@code done} runs once that is settled. */
    void onHello(Position yours, Runnable done) {
        if (yours.epoch() == myEpoch && yours.seq() > myEnd) {
            // Maybe only my cached end is old: ask the store before concluding that my stream went back.
            s.then(s.store.position(), (p, err) -> {
                if (s.ended) return;
                if (err != null) {
                    s.storageFailed("reading my position", err);
                    return;
                }
                myEnd = Math.max(myEnd, p.seq());
                if (yours.seq() > myEnd) {
                    newEpoch(yours, done);
                } else {
                    settleHello(yours);
                    done.run();
                }
            });
            return;
        }
        settleHello(yours);
        done.run();
    }

    /**
     * The peer read past my end in my own epoch: my stream went back (a damaged WAL after a crash,
     * a restore the marker did not catch). Seqs it has seen will be reused, so draw a new epoch
     * and let it rescan by heads.
     */
    private void newEpoch(Position yours, Runnable done) {
        log.warn("peer {} has read my stream to {} but it ends at {}: my stream went back; starting a new epoch",
                s.config.remotePeerId(), yours, new Position(myEpoch, myEnd));
        s.then(s.store.startNewEpoch("peer " + s.config.remotePeerId() + " read to " + yours + ", my end was "
                + myEnd), (p, err) -> {
            if (s.ended) return;
            if (err != null) {
                s.storageFailed("starting a new epoch", err);
                return;
            }
            // What I had read of every peer may be lost with it (the store forgot those positions),
            // but my Hello already named them: reconnect, so both sides rescan by heads.
            s.restart("my stream went back; new epoch " + p);
            done.run();
        });
    }

    private void settleHello(Position yours) {
        boolean known = yours.epoch() == myEpoch && yours.seq() <= myEnd;
        if (sending && known && yours.seq() >= speculativeFrom) {
            // The peer has read at least as far as I guessed: what I sent already is no gap for it.
            acknowledged(yours.seq());
        } else if (known) {
            resetTo(yours.seq(), false);
            peerAcked = yours.seq();
            s.store.setAcked(s.config.remotePeerId(), yours);
        } else {
            // Never read, or another life of my stream: list everything (a heads comparison).
            resetTo(0, !yours.isNone());
        }
        helloHandled = true;
        sending = true;
        pump();
    }

    private void resetTo(long seq, boolean rescanFromStart) {
        generation++;
        sent.clear();
        sendNext = seq;
        peerAcked = seq;
        rescan = rescanFromStart;
        caughtUpSent = false;
    }

    /** Changes from the peer were stored: my stream got events whose seqs I was not told. */
    void mayHaveGrown() {
        mayHaveGrown = true;
    }

    void localCommitted(long seq) {
        myEnd = Math.max(myEnd, seq);
        pump();
    }

    void onAck(Ack a) {
        Position p = Position.of(a.getPosition());
        if (p.epoch() != myEpoch) return; // an acknowledgement of another life of my stream
        if (p.seq() > Math.max(sentHigh, peerAcked)) {
            s.error(SyncError.Code.BAD_REQUEST, "Ack of seq " + p.seq() + " beyond what I sent ("
                    + Math.max(sentHigh, peerAcked) + ")", "");
            return;
        }
        acknowledged(p.seq());
        pump();
    }

    private void acknowledged(long seq) {
        if (seq > peerAcked) {
            peerAcked = seq;
            s.store.setAcked(s.config.remotePeerId(), new Position(myEpoch, seq)).exceptionally(err -> {
                log.debug("could not store the acked position of {}", s.config.remotePeerId(), err);
                return null;
            });
        }
        while (!sent.isEmpty() && sent.peekFirst().through() <= seq) sent.removeFirst();
    }

    void tick(long now) {
        SentBatch oldest = sent.peekFirst();
        if (oldest != null && now - oldest.sentAt() >= s.config.ackTimeoutMillis()) {
            resetTo(peerAcked, rescan);
            pump();
        }
    }

    /** Sends batches while the window and the transport allow; one storage read at a time. */
    void pump() {
        if (!sending || s.ended) return;
        if (pumping) {
            pumpAgain = true;
            return;
        }
        if (sent.size() >= Math.max(1, s.config.batchesInFlight()) || !s.transport.isWritable()) return;
        // At my known end and nothing new: no storage read (an Ack in live mode costs nothing).
        if (caughtUpSent && sendNext >= myEnd && !mayHaveGrown) return;
        mayHaveGrown = false;
        int limit = Math.max(1, Math.min(s.config.eventsPerBatch(),
                (s.peerMaxBytes - SyncSession.MESSAGE_OVERHEAD) / 400));
        long gen = generation;
        long from = sendNext;
        pumping = true;
        pumpAgain = false;
        s.then(s.store.eventsSince(from, limit), (events, err) -> {
            pumping = false;
            if (s.ended) return;
            if (err != null) {
                s.storageFailed("reading my stream", err);
                return;
            }
            if (gen != generation || from != sendNext) {
                pump(); // reset meanwhile: read again from the new position
                return;
            }
            if (events.isEmpty()) {
                myEnd = from;
                if (!caughtUpSent) {
                    sendEvents(from, from, List.of(), true);
                    caughtUpSent = true;
                    rescan = false;
                }
                if (pumpAgain) pump();
                return;
            }
            long through = from;
            for (StreamEvent e : events) through = Math.max(through, e.seq());
            boolean caughtUp = events.size() < limit;
            sendEvents(from, through, events, caughtUp);
            sendNext = through;
            if (caughtUp) {
                caughtUpSent = true;
                rescan = false;
                myEnd = Math.max(myEnd, through);
            }
            pump();
        });
    }

    private void sendEvents(long after, long through, List<StreamEvent> events, boolean caughtUp) {
        Events.Builder b = Events.newBuilder().setEpoch(myEpoch).setAfterSeq(after).setThroughSeq(through)
                .setRescan(rescan).setCaughtUp(caughtUp);
        for (StreamEvent e : events) {
            if (!s.policy.mayReceive(e.doc())) continue; // covered by the range, not listed
            b.addEvents(Event.newBuilder().setSeq(e.seq()).setDocId(e.docId()).addAllHeads(Wire.toProto(e.heads()))
                    .setKind(e.kind()).setTimestampMs(e.timestampMillis()));
        }
        sent.addLast(new SentBatch(through, s.clock.getAsLong()));
        sentHigh = Math.max(sentHigh, through);
        s.send(SyncMessage.newBuilder().setEvents(b).build());
    }

    boolean idle() {
        return sending && helloHandled && sent.isEmpty() && caughtUpSent && !pumping && sendNext >= myEnd;
    }

    long sentThrough() {
        return sendNext;
    }

    long peerAcked() {
        return peerAcked;
    }

    boolean caughtUpSent() {
        return caughtUpSent;
    }

    int batchesInFlight() {
        return sent.size();
    }
}
