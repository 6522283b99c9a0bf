package org.elohim.node.sync;

import com.google.protobuf.ByteString;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.elohim.api.v1.Ack;
import org.elohim.api.v1.DocRequest;
import org.elohim.api.v1.DocResponse;
import org.elohim.api.v1.Event;
import org.elohim.api.v1.Events;
import org.elohim.api.v1.Hello;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.docs.ApplyResult;
import org.elohim.node.docs.DocumentChange;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.DocumentRejected;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.docs.EventKind;
import org.elohim.node.docs.StreamEvent;
import org.elohim.node.docs.StreamPosition;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.ChangeChunks;
import org.elohim.node.storage.PeerPositions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of one sync relationship (docs/SYNC-PROTOCOL.md): a state machine driven by the
 * peer's {@link SyncMessage}s, by committed local changes ({@link #onDocumentChange}) and by
 * {@link #tick()}; it emits messages through the {@code out} callback. No sockets, no threads of
 * its own: the transport (gRPC stream, libp2p stream, or a test's queues) feeds it.
 *
 * <p>Sending side: after the peer's Hello, stream my events after the position it reported (from
 * the start, as a heads comparison, if that position names another epoch), a few batches ahead
 * of its Acks; go back to the last Ack if Acks stop coming. Receiving side: for each event whose
 * heads I do not have, DocRequest with my heads; merge the DocResponse; when a batch's documents
 * are all committed, persist the read position, then Ack. Reach: events and documents the peer
 * may not receive are never sent, and asking for one is answered as for a missing document.
 *
 * <p>Thread-safety: every entry point is synchronized; {@code out} is called under the lock and
 * must not block (queue the message). Callbacks of storage futures re-enter through the lock.
 */
public final class SyncSession {
    private static final Logger log = LoggerFactory.getLogger(SyncSession.class);
    public static final int PROTOCOL_VERSION = 1;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    private static final int MESSAGE_OVERHEAD = 4096;
    /** Bounds the work (and open requests) one incoming Events message can cause. */
    public static final int MAX_EVENTS_PER_BATCH = 16_384;
    /**
     * DocRequests of one session awaiting their answer (and its merge) at a time: the requests of a
     * whole Events batch go out together (one round trip, not one per document); beyond this bound
     * they wait for earlier answers.
     */
    public static final int MAX_OUTSTANDING_REQUESTS = 256;

    /**
     * {@code remotePeerId}: the peer's PROVED identity (device id, libp2p peer id), the key of its
     * durable positions. Batches: events per Events message, batches sent ahead of Acks. Timeouts
     * (by the session clock): resend a DocRequest without answer, go back to the last Ack.
     */
    public record Config(String localPeerId, String remotePeerId, int eventsPerBatch, int batchesInFlight,
                         int maxMessageBytes, long requestTimeoutMillis, long ackTimeoutMillis) {
        public static Config defaults(String localPeerId, String remotePeerId) {
            return new Config(localPeerId, remotePeerId, 256, 4, DEFAULT_MAX_MESSAGE_BYTES, 30_000, 60_000);
        }

        public Config withBatching(int eventsPerBatch, int batchesInFlight) {
            return new Config(localPeerId, remotePeerId, eventsPerBatch, batchesInFlight, maxMessageBytes,
                    requestTimeoutMillis, ackTimeoutMillis);
        }

        public Config withMaxMessageBytes(int bytes) {
            return new Config(localPeerId, remotePeerId, eventsPerBatch, batchesInFlight, bytes,
                    requestTimeoutMillis, ackTimeoutMillis);
        }

        public Config withTimeouts(long requestMillis, long ackMillis) {
            return new Config(localPeerId, remotePeerId, eventsPerBatch, batchesInFlight, maxMessageBytes,
                    requestMillis, ackMillis);
        }
    }

    /** What a status page or a test may want to know about the session. */
    public record Status(boolean helloReceived, StreamPosition readPosition, long sentThrough, long peerAcked,
                         boolean peerCaughtUp, boolean caughtUpSent, int pendingRequests, int pendingBatches,
                         int batchesInFlight, long docsApplied, long errorsSent, long errorsReceived) {
    }

    private record SentBatch(long through, long sentAt) {
    }

    private static final class RecvBatch {
        final long through;
        final boolean backfill;
        final Set<Long> pending = new HashSet<>();

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
        CompletableFuture<?> chain = CompletableFuture.completedFuture(null);

        Request(long id, String docId, RecvBatch batch, long sentAt) {
            this.id = id;
            this.docId = docId;
            this.batch = batch;
            this.sentAt = sentAt;
        }
    }

    private final DocumentService docs;
    private final PeerPositions positions;
    private final Requester requester;
    private final ReachEnforcer reach;
    private final Config config;
    private final LongSupplier clock;
    private final Consumer<SyncMessage> out;
    private final String origin = "sync:" + UUID.randomUUID();

    private boolean started;
    private boolean closed;
    private boolean helloReceived;
    private int peerMaxBytes = DEFAULT_MAX_MESSAGE_BYTES;
    // my stream -> peer
    private long myEpoch;
    private long sendNext;
    private long peerAcked;
    private boolean rescan;
    private boolean caughtUpSent;
    private final Deque<SentBatch> sent = new ArrayDeque<>();
    // peer's stream -> me
    private long peerEpoch;
    private long readSeq;
    private long expectedAfter;
    private boolean peerCaughtUp;
    private final Deque<RecvBatch> received = new ArrayDeque<>();
    private final Map<Long, Request> requests = new LinkedHashMap<>();
    private final Deque<Request> queuedRequests = new ArrayDeque<>();
    private int outstandingRequests;
    private long nextRequestId = 1;
    private long persistingRead;
    private long docsApplied;
    private long errorsSent;
    private long errorsReceived;

    public SyncSession(DocumentService docs, PeerPositions positions, Requester requester, ReachEnforcer reach,
                       Config config, LongSupplier clockMillis, Consumer<SyncMessage> out) {
        this.docs = docs;
        this.positions = positions;
        this.requester = requester;
        this.reach = reach;
        this.config = config;
        this.clock = clockMillis;
        this.out = out;
    }

    /** The origin this session puts on the changes it applies (DocumentChange.origin). */
    public String origin() {
        return origin;
    }

    /** Sends Hello: my stream position and the durable position I have read of the peer's stream. */
    public synchronized void start() {
        if (started || closed) return;
        started = true;
        StreamPosition mine = docs.position();
        myEpoch = mine.epoch();
        StreamPosition read = positions.get(config.remotePeerId()).read();
        send(SyncMessage.newBuilder().setHello(Hello.newBuilder()
                .setProtocolVersion(PROTOCOL_VERSION)
                .setPeerId(config.localPeerId())
                .setMyPosition(SyncProto.toProto(mine))
                .setYourPosition(SyncProto.toProto(read))
                // 0 means the default: a reconnect's first flight stays a few bytes smaller.
                .setMaxMessageBytes(config.maxMessageBytes() == DEFAULT_MAX_MESSAGE_BYTES ? 0 : config.maxMessageBytes()))
                .build());
    }

    /** Stops emitting; storage work already started completes, but no position moves past it. */
    public synchronized void close() {
        closed = true;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    public synchronized void onMessage(SyncMessage m) {
        if (closed) return;
        if (!started) start();
        switch (m.getBodyCase()) {
            case HELLO:
                onHello(m.getHello());
                return;
            case ERROR:
                errorsReceived++;
                log.debug("peer {} reports {}: {}", config.remotePeerId(), m.getError().getCode(), m.getError().getMessage());
                return;
            default:
                break;
        }
        if (!helloReceived) {
            error(SyncError.Code.BAD_REQUEST, "message before Hello", "");
            return;
        }
        switch (m.getBodyCase()) {
            case EVENTS:
                onEvents(m.getEvents());
                break;
            case DOC_REQUEST:
                onDocRequest(m.getDocRequest());
                break;
            case DOC_RESPONSE:
                onDocResponse(m.getDocResponse());
                break;
            case ACK:
                onAck(m.getAck());
                break;
            default:
                error(SyncError.Code.BAD_REQUEST, "empty or unknown message", "");
        }
    }

    /** A change was committed to my store: stream it to the peer (live mode). */
    public synchronized void onDocumentChange(DocumentChange change) {
        if (closed || !helloReceived) return;
        pump();
    }

    /** Time passed: resend unanswered DocRequests, go back to the last Ack if Acks stopped. */
    public synchronized void tick() {
        if (closed || !helloReceived) return;
        long now = clock.getAsLong();
        for (Request r : requests.values()) {
            if (r.sent && !r.answered && now - r.sentAt >= config.requestTimeoutMillis()) {
                r.sentAt = now;
                sendDocRequest(r);
            }
        }
        SentBatch oldest = sent.peekFirst();
        if (oldest != null && now - oldest.sentAt() >= config.ackTimeoutMillis()) {
            sent.clear();
            sendNext = peerAcked;
            caughtUpSent = false;
            pump();
        }
    }

    public synchronized Status status() {
        return new Status(helloReceived, new StreamPosition(peerEpoch, readSeq), sendNext, peerAcked, peerCaughtUp,
                caughtUpSent, requests.size(), received.size(), sent.size(), docsApplied, errorsSent, errorsReceived);
    }

    /**
     * Both directions caught up: the peer has acknowledged my whole stream as of now, and I have
     * fetched, stored and acknowledged everything the peer listed, up to its end.
     */
    public synchronized boolean isInSync() {
        return helloReceived && !closed && peerCaughtUp && received.isEmpty() && requests.isEmpty()
                && persistingRead == 0 && sent.isEmpty() && caughtUpSent && sendNext == docs.position().seq();
    }

    // ------------------------------------------------------------------ Hello

    private void onHello(Hello h) {
        if (helloReceived) {
            error(SyncError.Code.BAD_REQUEST, "second Hello", "");
            return;
        }
        if (h.getProtocolVersion() != PROTOCOL_VERSION) {
            error(SyncError.Code.UNSUPPORTED_VERSION, "protocol version " + h.getProtocolVersion()
                    + " not supported; this side speaks " + PROTOCOL_VERSION, "");
            closed = true;
            return;
        }
        helloReceived = true;
        if (h.getMaxMessageBytes() > 0) peerMaxBytes = h.getMaxMessageBytes();
        // Receiving side: my durable read position counts only in the peer's current epoch.
        peerEpoch = h.getMyPosition().getEpoch();
        StreamPosition read = positions.get(config.remotePeerId()).read();
        readSeq = read.epoch() == peerEpoch ? read.seq() : 0;
        expectedAfter = readSeq;
        // Sending side: resume after the peer's position, or rescan everything if it is from
        // another life of my stream (restored database) or beyond its end.
        StreamPosition yours = SyncProto.fromProto(h.getYourPosition());
        long mySeq = docs.position().seq();
        if (yours.epoch() == myEpoch && yours.seq() <= mySeq) {
            sendNext = yours.seq();
            rescan = false;
            positions.setAcked(config.remotePeerId(), yours);
        } else {
            sendNext = 0;
            rescan = !(yours.epoch() == 0 && yours.seq() == 0);
        }
        peerAcked = sendNext;
        pump();
    }

    // ------------------------------------------------------------------ sending my stream

    private void pump() {
        int limit = Math.max(1, Math.min(config.eventsPerBatch(), (peerMaxBytes - MESSAGE_OVERHEAD) / 400));
        while (!closed && sent.size() < Math.max(1, config.batchesInFlight())) {
            List<StreamEvent> events = docs.eventsSince(sendNext, limit);
            if (events.isEmpty()) {
                if (!caughtUpSent) {
                    sendEvents(sendNext, sendNext, List.of(), true);
                    caughtUpSent = true;
                }
                return;
            }
            long through = sendNext;
            for (StreamEvent e : events) through = Math.max(through, e.seq());
            boolean caughtUp = events.size() < limit;
            sendEvents(sendNext, through, events, caughtUp);
            sendNext = through;
            if (caughtUp) {
                caughtUpSent = true;
                rescan = false;
            }
        }
    }

    private void sendEvents(long after, long through, List<StreamEvent> events, boolean caughtUp) {
        Events.Builder b = Events.newBuilder().setEpoch(myEpoch).setAfterSeq(after).setThroughSeq(through)
                .setRescan(rescan).setCaughtUp(caughtUp);
        for (StreamEvent e : events) {
            Optional<DocumentInfo> info = docs.info(e.docId());
            if (info.isEmpty() || !reach.mayReceive(requester, info.get())) continue; // covered, not listed
            b.addEvents(Event.newBuilder().setSeq(e.seq()).setDocId(e.docId())
                    .addAllHeads(SyncProto.toProto(e.heads())).setKind(SyncProto.toProto(e.kind()))
                    .setTimestampMs(e.timestampMillis()));
        }
        sent.addLast(new SentBatch(through, clock.getAsLong()));
        send(SyncMessage.newBuilder().setEvents(b).build());
    }

    private void onAck(Ack a) {
        StreamPosition p = SyncProto.fromProto(a.getPosition());
        if (p.epoch() != myEpoch || p.seq() > docs.position().seq()) return; // stale or bogus
        if (p.seq() > peerAcked) {
            peerAcked = p.seq();
            positions.setAcked(config.remotePeerId(), p);
        }
        while (!sent.isEmpty() && sent.peekFirst().through() <= p.seq()) sent.removeFirst();
        pump();
    }

    // ------------------------------------------------------------------ serving requests

    private void onDocRequest(DocRequest r) {
        List<byte[]> heads = SyncProto.hashesOrNull(r.getHeadsList());
        if (heads == null) {
            error(SyncError.Code.BAD_REQUEST, "change hashes must be 32 bytes", r.getDocId());
            return;
        }
        DocResponse.Builder notFound = DocResponse.newBuilder().setDocId(r.getDocId())
                .setRequestId(r.getRequestId()).setNotFound(true);
        Optional<DocumentInfo> info = docs.info(r.getDocId());
        if (info.isEmpty() || !reach.mayReceive(requester, info.get())) {
            send(SyncMessage.newBuilder().setDocResponse(notFound).build()); // denied == missing
            return;
        }
        Optional<byte[]> changes;
        try {
            changes = docs.changesSince(r.getDocId(), heads);
        } catch (DocumentRejected e) {
            error(SyncError.Code.BAD_REQUEST, e.getMessage(), r.getDocId());
            return;
        }
        if (changes.isEmpty()) {
            send(SyncMessage.newBuilder().setDocResponse(notFound).build());
            return;
        }
        DocumentInfo doc = info.get();
        int maxBytes = Math.max(64 * 1024, Math.min(peerMaxBytes, config.maxMessageBytes()) - MESSAGE_OVERHEAD);
        List<byte[]> parts = ChangeChunks.split(changes.get(), maxBytes);
        for (int i = 0; i < parts.size(); i++) {
            send(SyncMessage.newBuilder().setDocResponse(DocResponse.newBuilder()
                    .setDocId(r.getDocId()).setRequestId(r.getRequestId())
                    .setChanges(ByteString.copyFrom(parts.get(i)))
                    .addAllHeads(SyncProto.toProto(doc.heads()))
                    .setReach(SyncProto.toProto(doc.reach())).setOwner(doc.owner())
                    .setMore(i < parts.size() - 1)).build());
        }
    }

    // ------------------------------------------------------------------ reading the peer's stream

    private void onEvents(Events e) {
        if (e.getEpoch() != peerEpoch) {
            error(SyncError.Code.BAD_REQUEST, "events of epoch " + Long.toUnsignedString(e.getEpoch(), 16)
                    + ", Hello said " + Long.toUnsignedString(peerEpoch, 16), "");
            return;
        }
        if (e.getEventsCount() > MAX_EVENTS_PER_BATCH) {
            error(SyncError.Code.TOO_LARGE, "more than " + MAX_EVENTS_PER_BATCH + " events in one batch", "");
            return;
        }
        if (e.getAfterSeq() > expectedAfter || e.getThroughSeq() < e.getAfterSeq()) {
            // A gap would skip events; ignore the batch, the sender goes back to our last Ack.
            error(SyncError.Code.BAD_REQUEST, "events after " + e.getAfterSeq() + " but I have read only to "
                    + expectedAfter, "");
            return;
        }
        for (Event ev : e.getEventsList()) {
            if (SyncProto.hashesOrNull(ev.getHeadsList()) == null) {
                error(SyncError.Code.BAD_REQUEST, "change hashes must be 32 bytes", ev.getDocId());
                return;
            }
        }
        RecvBatch batch = new RecvBatch(e.getThroughSeq(), e.getRescan() || !peerCaughtUp);
        if (e.getCaughtUp()) peerCaughtUp = true;
        expectedAfter = Math.max(expectedAfter, e.getThroughSeq());
        received.addLast(batch);
        for (Event ev : e.getEventsList()) {
            String docId = ev.getDocId();
            List<byte[]> theirHeads = SyncProto.hashesOrNull(ev.getHeadsList());
            Optional<DocumentInfo> local = docs.info(docId);
            // A document of mine this peer may not receive: never fetch it (no writes through a
            // peer that could not read it) and never reveal it.
            if (local.isPresent() && !reach.mayReceive(requester, local.get())) continue;
            // Cheap check on the stored heads first; only a mismatch loads the document to look
            // in its history (the peer may be behind me on this document).
            if (local.isPresent() && (headsWithin(theirHeads, local.get().heads())
                    || docs.containsHeads(docId, theirHeads))) continue;
            Request r = new Request(nextRequestId++, docId, batch, clock.getAsLong());
            requests.put(r.id, r);
            batch.pending.add(r.id);
            queuedRequests.addLast(r);
        }
        sendQueuedRequests();
        completeBatches();
    }

    /** Sends queued DocRequests, all at once, up to {@link #MAX_OUTSTANDING_REQUESTS} unanswered. */
    private void sendQueuedRequests() {
        while (outstandingRequests < MAX_OUTSTANDING_REQUESTS && !queuedRequests.isEmpty()) {
            Request r = queuedRequests.pollFirst();
            if (!requests.containsKey(r.id)) continue;
            r.sent = true;
            r.sentAt = clock.getAsLong();
            outstandingRequests++;
            sendDocRequest(r);
        }
    }

    private static boolean headsWithin(List<byte[]> theirs, List<byte[]> mine) {
        for (byte[] h : theirs) {
            boolean found = false;
            for (byte[] m : mine) {
                if (java.util.Arrays.equals(h, m)) {
                    found = true;
                    break;
                }
            }
            if (!found) return false;
        }
        return true;
    }

    private void sendDocRequest(Request r) {
        List<byte[]> mine = docs.info(r.docId).map(DocumentInfo::heads).orElse(List.of());
        send(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId(r.docId)
                .addAllHeads(SyncProto.toProto(mine)).setRequestId(r.id)).build());
    }

    private void onDocResponse(DocResponse resp) {
        Request r = requests.get(resp.getRequestId());
        if (r == null || !r.sent || !r.docId.equals(resp.getDocId())) return; // late answer, or to no request
        r.answered = true;
        if (resp.getNotFound()) {
            if (!resp.getMore()) finishRequest(r, null);
            return;
        }
        if (SyncProto.hashesOrNull(resp.getHeadsList()) == null) {
            error(SyncError.Code.BAD_REQUEST, "change hashes must be 32 bytes", r.docId);
            finishRequest(r, null);
            return;
        }
        byte[] changes = resp.getChanges().toByteArray();
        String owner = requester instanceof Requester.Device d ? d.owner() : resp.getOwner();
        Reach reachIfNew = SyncProto.fromProto(resp.getReach());
        EventKind kind = requester instanceof Requester.Device ? EventKind.LOCAL
                : r.batch.backfill ? EventKind.BACKFILL : EventKind.NEW;
        boolean last = !resp.getMore();
        // Parts of one answer are applied in order, one after the other.
        CompletableFuture<ApplyResult> applied = r.chain.thenCompose(x -> changes.length == 0
                ? CompletableFuture.completedFuture(null)
                : docs.applyChanges(r.docId, changes, owner, reachIfNew, kind, origin));
        r.chain = applied;
        if (last) applied.whenComplete((res, err) -> onApplied(r, err));
    }

    private synchronized void onApplied(Request r, Throwable err) {
        if (closed) return;
        if (err != null) {
            Throwable cause = err.getCause() != null ? err.getCause() : err;
            // Bad changes for one document must not stall the whole stream: report and move on;
            // the document is looked at again with its next event or a rescan.
            error(cause instanceof DocumentRejected dr && dr.reason() == DocumentRejected.Reason.TOO_LARGE
                    ? SyncError.Code.TOO_LARGE : SyncError.Code.REJECTED_CHANGES, String.valueOf(cause.getMessage()), r.docId);
        } else {
            docsApplied++;
        }
        finishRequest(r, err);
    }

    private void finishRequest(Request r, Throwable err) {
        if (requests.remove(r.id) != null && r.sent) outstandingRequests--;
        r.batch.pending.remove(r.id);
        sendQueuedRequests();
        completeBatches();
    }

    /** Batches complete in order; the read position is persisted, then acknowledged. */
    private void completeBatches() {
        long through = -1;
        while (!received.isEmpty() && received.peekFirst().pending.isEmpty()) {
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
        positions.setRead(config.remotePeerId(), new StreamPosition(epoch, target))
                .whenComplete((ok, err) -> onReadPersisted(epoch, target, err));
    }

    private synchronized void onReadPersisted(long epoch, long seq, Throwable err) {
        persistingRead--;
        if (closed || epoch != peerEpoch) return;
        if (err != null) {
            log.warn("could not persist read position of {}", config.remotePeerId(), err);
            return; // no Ack: the sender will resend after its timeout
        }
        readSeq = Math.max(readSeq, seq);
        sendAck(readSeq);
    }

    private void sendAck(long seq) {
        send(SyncMessage.newBuilder().setAck(Ack.newBuilder()
                .setPosition(SyncProto.toProto(new StreamPosition(peerEpoch, seq)))).build());
    }

    private void error(SyncError.Code code, String message, String docId) {
        errorsSent++;
        send(SyncMessage.newBuilder().setError(SyncError.newBuilder().setCode(code)
                .setMessage(message == null ? "" : message).setDocId(docId == null ? "" : docId)).build());
    }

    private void send(SyncMessage m) {
        if (closed && !m.hasError()) return;
        out.accept(m);
    }
}
