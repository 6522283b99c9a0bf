package org.elohim.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.elohim.api.v1.Ack;
import org.elohim.api.v1.DocRequest;
import org.elohim.api.v1.DocResponse;
import org.elohim.api.v1.Event;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.Events;
import org.elohim.api.v1.Hello;
import org.elohim.api.v1.Reach;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving half of a session: checks each Events batch (epoch, gap, size, hashes), asks for
 * the documents whose heads I lack (all requests of a batch at once, bounded), stores the answers
 * through the policy, and acknowledges a batch only when it and every earlier batch are durable
 * (the read position is stored first). Runs on the session's executor.
 */
final class StreamReceiver {
    private static final Logger log = LoggerFactory.getLogger(StreamReceiver.class);

    private static final class RecvBatch {
        final long through;
        final boolean backfill;
        final Set<Long> pending = new HashSet<>();
        boolean resolving = true;

        RecvBatch(long through, boolean backfill) {
            this.through = through;
            this.backfill = backfill;
        }
    }

    private static final class Request {
        final long id;
        final String docId;
        final RecvBatch batch;
        long sentAt;
        boolean sent;
        boolean answered;
        CompletableFuture<Optional<SyncPolicy.WriteGrant>> grant;
        CompletableFuture<?> chain = CompletableFuture.completedFuture(null);

        Request(long id, String docId, RecvBatch batch) {
            this.id = id;
            this.docId = docId;
            this.batch = batch;
        }
    }

    /** The policy refused the peer's write: nothing stored, nothing said (it must not learn more). */
    private static final class Denied extends RuntimeException {
        Denied() {
            super("write not permitted", null, false, false);
        }
    }

    private final SyncSession s;
    private long peerEpoch;
    private long readSeq;
    private long expectedAfter;
    private boolean peerCaughtUp;
    private final ArrayDeque<RecvBatch> received = new ArrayDeque<>();
    private final Map<Long, Request> requests = new LinkedHashMap<>();
    private final ArrayDeque<Request> queued = new ArrayDeque<>();
    private int outstanding;
    private long nextRequestId = 1;
    private int persistingRead;
    private long docsApplied;

    StreamReceiver(SyncSession session) {
        this.s = session;
    }

    void onHello(Hello h) {
        Position theirs = Position.of(h.getMyPosition());
        peerEpoch = theirs.epoch();
        Position read = s.stored.read();
        readSeq = read.epoch() == peerEpoch ? read.seq() : 0;
        if (readSeq > theirs.seq()) {
            // The peer's stream went back under my feet; it will see my position beyond its end and
            // start a new epoch. Until then, trust nothing of what I read.
            log.warn("peer {} says its stream ends at {} but I have read it to {}", s.config.remotePeerId(), theirs,
                    read);
            readSeq = 0;
        }
        expectedAfter = readSeq;
    }

    CompletableFuture<?> onEvents(Events e) {
        if (e.getEpoch() != peerEpoch) {
            if (!(e.getRescan() && e.getAfterSeq() == 0)) {
                s.error(SyncError.Code.BAD_REQUEST, "events of epoch " + Long.toUnsignedString(e.getEpoch(), 16)
                        + ", Hello said " + Long.toUnsignedString(peerEpoch, 16), "");
                return null;
            }
            // The peer started a new epoch during this session (it found its stream went back).
            peerEpoch = e.getEpoch();
            readSeq = 0;
            expectedAfter = 0;
            peerCaughtUp = false;
            received.clear();
        }
        if (e.getEventsCount() > SyncSession.MAX_EVENTS_PER_BATCH) {
            s.error(SyncError.Code.TOO_LARGE, "more than " + SyncSession.MAX_EVENTS_PER_BATCH + " events in one batch", "");
            return null;
        }
        if (e.getAfterSeq() > expectedAfter || e.getThroughSeq() < e.getAfterSeq()) {
            // A gap would skip events: ignore the batch; the sender goes back to my last Ack.
            s.error(SyncError.Code.BAD_REQUEST, "events after " + e.getAfterSeq() + " but I have read only to "
                    + expectedAfter, "");
            return null;
        }
        List<List<byte[]>> heads = new ArrayList<>(e.getEventsCount());
        for (Event ev : e.getEventsList()) {
            List<byte[]> h = Wire.hashesOrNull(ev.getHeadsList());
            if (h == null || ev.getDocId().isEmpty()) {
                s.error(SyncError.Code.BAD_REQUEST, "event with a malformed doc id or change hash", ev.getDocId());
                return null;
            }
            heads.add(h);
        }
        RecvBatch batch = new RecvBatch(e.getThroughSeq(), e.getRescan() || !peerCaughtUp);
        if (e.getCaughtUp()) peerCaughtUp = true;
        expectedAfter = Math.max(expectedAfter, e.getThroughSeq());
        received.addLast(batch);
        List<CompletableFuture<Boolean>> needed = new ArrayList<>(e.getEventsCount());
        for (int i = 0; i < e.getEventsCount(); i++) needed.add(needs(e.getEvents(i).getDocId(), heads.get(i)));
        CompletableFuture<Void> all = CompletableFuture.allOf(needed.toArray(new CompletableFuture<?>[0]));
        s.then(all, (v, err) -> {
            if (s.ended) return;
            if (err != null) {
                s.storageFailed("looking up documents of an Events batch", err);
                return;
            }
            for (int i = 0; i < needed.size(); i++) {
                if (!needed.get(i).join()) continue;
                Request r = new Request(nextRequestId++, e.getEvents(i).getDocId(), batch);
                requests.put(r.id, r);
                batch.pending.add(r.id);
                queued.addLast(r);
            }
            batch.resolving = false;
            sendQueuedRequests();
            completeBatches();
        });
        return all;
    }

    /**
     * Whether to fetch {@code docId}: not if I already have those heads, nor if it is a document
     * of mine the peer may not receive (no writes through a peer that could not read it).
     */
    private CompletableFuture<Boolean> needs(String docId, List<byte[]> theirHeads) {
        return s.store.doc(docId).thenCompose(local -> {
            if (local.isEmpty()) return CompletableFuture.completedFuture(true);
            if (!s.policy.mayReceive(local.get())) return CompletableFuture.completedFuture(false);
            // Cheap check on the stored heads first; only a mismatch looks in the history.
            if (Wire.containsAll(local.get().heads(), theirHeads)) return CompletableFuture.completedFuture(false);
            return s.store.containsHeads(docId, theirHeads).thenApply(known -> !known);
        });
    }

    /** Sends queued DocRequests, all at once, up to {@link SyncSession#MAX_OUTSTANDING_REQUESTS} unanswered. */
    private void sendQueuedRequests() {
        while (outstanding < SyncSession.MAX_OUTSTANDING_REQUESTS && !queued.isEmpty()) {
            Request r = queued.pollFirst();
            if (!requests.containsKey(r.id)) continue;
            r.sent = true;
            r.sentAt = s.clock.getAsLong();
            outstanding++;
            sendDocRequest(r);
        }
    }

    /** With my heads as of now: an earlier answer may have brought this document meanwhile. */
    private void sendDocRequest(Request r) {
        s.then(s.store.doc(r.docId), (local, err) -> {
            if (s.ended || !requests.containsKey(r.id)) return;
            if (err != null) {
                s.storageFailed("reading " + r.docId, err);
                return;
            }
            List<byte[]> mine = local.map(DocState::heads).orElse(List.of());
            s.send(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId(r.docId)
                    .addAllHeads(Wire.toProto(mine)).setRequestId(r.id)).build());
        });
    }

    CompletableFuture<?> onDocResponse(DocResponse resp) {
        Request r = requests.get(resp.getRequestId());
        if (r == null || !r.sent || !r.docId.equals(resp.getDocId())) return null; // late, or to no request
        r.answered = true;
        if (resp.getNotFound()) {
            if (!resp.getMore()) finishRequest(r);
            return null;
        }
        if (Wire.hashesOrNull(resp.getHeadsList()) == null) {
            s.error(SyncError.Code.BAD_REQUEST, "change hashes must be 32 bytes", r.docId);
            finishRequest(r);
            return null;
        }
        byte[] changes = resp.getChanges().toByteArray();
        if (r.grant == null) {
            String owner = resp.getOwner();
            Reach reach = resp.getReach();
            r.grant = s.store.doc(r.docId).thenApply(existing -> s.policy.mayWrite(r.docId, existing, owner, reach));
        }
        EventKind kind = s.policy.receivedKind(r.batch.backfill);
        CompletableFuture<Optional<SyncPolicy.WriteGrant>> grant = r.grant;
        // Parts of one answer are applied in order, one after the other.
        CompletableFuture<Void> applied = r.chain.thenCompose(x -> grant).thenCompose(g -> {
            if (g.isEmpty()) return CompletableFuture.failedFuture(new Denied());
            if (changes.length == 0) return CompletableFuture.completedFuture(null);
            return s.store.apply(r.docId, changes, g.get().owner(), g.get().reachIfNew(), kind);
        });
        r.chain = applied;
        if (!resp.getMore()) s.then(applied, (v, err) -> onApplied(r, err));
        return applied;
    }

    private void onApplied(Request r, Throwable err) {
        if (s.ended) return;
        if (err == null) {
            docsApplied++;
            s.sender.mayHaveGrown();
            s.documentApplied(r.docId);
        } else if (err instanceof Denied) {
            log.debug("peer {} may not write {}", s.config.remotePeerId(), r.docId);
        } else if (err instanceof ChangesRejected cr) {
            // Bad changes for one document must not stall the stream: report and move on; the
            // document is looked at again with its next event or a rescan.
            s.error(cr.reason() == ChangesRejected.Reason.TOO_LARGE ? SyncError.Code.TOO_LARGE
                    : SyncError.Code.REJECTED_CHANGES, cr.getMessage(), r.docId);
        } else {
            s.storageFailed("storing " + r.docId, err);
            return;
        }
        finishRequest(r);
    }

    private void finishRequest(Request r) {
        if (requests.remove(r.id) != null && r.sent) outstanding--;
        r.batch.pending.remove(r.id);
        sendQueuedRequests();
        completeBatches();
    }

    /** Batches complete in order; the read position is stored, then acknowledged. */
    private void completeBatches() {
        long through = -1;
        while (!received.isEmpty() && !received.peekFirst().resolving && received.peekFirst().pending.isEmpty()) {
            through = Math.max(through, received.removeFirst().through);
        }
        if (through < 0) return;
        if (through <= readSeq) {
            sendAck(readSeq); // a resent range: tell the sender again where I am
            return;
        }
        long epoch = peerEpoch;
        long target = through;
        persistingRead++;
        s.then(s.store.setRead(s.config.remotePeerId(), new Position(epoch, target)), (v, err) -> {
            persistingRead--;
            if (s.ended) return;
            if (err != null) {
                s.storageFailed("storing the read position", err);
                return;
            }
            if (epoch != peerEpoch) return;
            readSeq = Math.max(readSeq, target);
            sendAck(readSeq);
            s.sender.pump(); // what I received is in my own stream now: offer it in one go
        });
    }

    private void sendAck(long seq) {
        s.send(SyncMessage.newBuilder().setAck(Ack.newBuilder()
                .setPosition(new Position(peerEpoch, seq).toProto())).build());
    }

    void tick(long now) {
        for (Request r : requests.values()) {
            if (r.sent && !r.answered && now - r.sentAt >= s.config.requestTimeoutMillis()) {
                r.sentAt = now;
                sendDocRequest(r);
            }
        }
    }

    boolean idle() {
        return peerCaughtUp && received.isEmpty() && requests.isEmpty() && persistingRead == 0;
    }

    Position readPosition() {
        return new Position(peerEpoch, readSeq);
    }

    boolean peerCaughtUp() {
        return peerCaughtUp;
    }

    int pendingRequests() {
        return requests.size();
    }

    int pendingBatches() {
        return received.size();
    }

    long docsApplied() {
        return docsApplied;
    }
}
