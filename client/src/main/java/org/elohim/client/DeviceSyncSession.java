package org.elohim.client;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.elohim.api.v1.Ack;
import org.elohim.api.v1.DocRequest;
import org.elohim.api.v1.DocResponse;
import org.elohim.api.v1.Event;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.Events;
import org.elohim.api.v1.Hello;
import org.elohim.api.v1.StreamPosition;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device's side of one sync stream (docs/SYNC-PROTOCOL.md): a state machine fed with the
 * node's messages, emitting the device's. It owns no thread: the client calls it from its single
 * actor thread. Durable state lives in the {@link ClientStore}: the device's stream, the position
 * of the node's stream it has applied ({@code read}) and the position of its own stream the node
 * acknowledged ({@code acked}), so a cut stream resumes where it stopped.
 */
final class DeviceSyncSession {
    static final int PROTOCOL_VERSION = 1;
    static final int BATCH_DOCS = 128;
    static final int WINDOW = 4;
    /**
     * DocRequests awaiting their answer at a time: the requests of a whole Events batch go out
     * together (one round trip, not one per document); beyond this bound they wait for answers.
     */
    static final int MAX_OUTSTANDING_REQUESTS = 256;
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** A document assembled from several DocResponse parts may not grow beyond this. */
    static final int MAX_DOC_RESPONSE_BYTES = 256 * 1024 * 1024;
    private static final Logger log = LoggerFactory.getLogger(DeviceSyncSession.class);

    interface Outbound {
        void send(SyncMessage message);

        /** Ends the stream (protocol failure). */
        void fail(String reason);
    }

    interface Listener {
        void documentChanged(String docId);

        /** Both directions have caught up and everything is acknowledged. */
        void idle();
    }

    /** A batch of the node's events not yet acknowledged. */
    private static final class IncomingBatch {
        final long epoch;
        final long through;
        final boolean caughtUp;
        final Set<Long> pending = new HashSet<>();

        IncomingBatch(long epoch, long through, boolean caughtUp) {
            this.epoch = epoch;
            this.through = through;
            this.caughtUp = caughtUp;
        }
    }

    private static final class Request {
        final String docId;
        final IncomingBatch batch;
        final ByteArrayOutputStream parts = new ByteArrayOutputStream();
        boolean sent;

        Request(String docId, IncomingBatch batch) {
            this.docId = docId;
            this.batch = batch;
        }
    }

    private final ClientStore store;
    private final String peerKey;
    private final String myId;
    private final String owner;
    private final Outbound out;
    private final Listener listener;
    private final LongSupplier clock;

    private boolean helloReceived;
    /** My events are being sent (before the node's Hello: from the position it last acknowledged). */
    private boolean sendingStarted;
    /** Where the events sent before the node's Hello started; -1 when none were. */
    private long speculativeFrom = -1;
    private int peerMaxMessage = MAX_MESSAGE_BYTES;
    private long sentThrough;
    private boolean rescan;
    private boolean sentCaughtUp;
    private final ArrayDeque<Long> unackedBatches = new ArrayDeque<>();
    private long ackedSeq;
    private final ArrayDeque<IncomingBatch> incoming = new ArrayDeque<>();
    private final Map<Long, Request> requests = new HashMap<>();
    private final ArrayDeque<Long> queuedRequests = new ArrayDeque<>();
    private int outstandingRequests;
    private long nextRequestId;
    private boolean peerCaughtUp;
    private boolean idleReported;
    private boolean failed;
    private int docsReceived;
    private int docsSent;

    DeviceSyncSession(ClientStore store, String peerKey, String myId, String owner, Outbound out, Listener listener,
                      LongSupplier clock) {
        this.store = store;
        this.peerKey = peerKey;
        this.myId = myId;
        this.owner = owner;
        this.out = out;
        this.listener = listener;
        this.clock = clock;
    }

    int docsReceived() {
        return docsReceived;
    }

    int docsSent() {
        return docsSent;
    }

    /**
     * First flight: Hello (my stream's position, how far I have read the node's), immediately
     * followed by my events after the position the node last acknowledged, without waiting for the
     * node's Hello. A device that is in sync thus learns it after one round trip. The node's Hello
     * confirms or corrects that guess ({@link #onHello}): batches sent after a position the node has
     * not read are refused by it (a gap) and sent again from where it really is.
     */
    void start() {
        ClientStore.PeerState state = store.peer(peerKey);
        ClientStore.Position read = state.read();
        out.send(SyncMessage.newBuilder().setHello(Hello.newBuilder()
                .setProtocolVersion(PROTOCOL_VERSION)
                .setPeerId(myId)
                .setMyPosition(position(store.epoch(), store.lastSeq()))
                .setYourPosition(position(read.epoch(), read.seq()))
                .setMaxMessageBytes(0)) // 0 = the default, MAX_MESSAGE_BYTES (16 MiB)
                .build());
        ClientStore.Position acked = state.acked();
        if (acked.epoch() == store.epoch() && acked.seq() <= store.lastSeq()) {
            sentThrough = acked.seq();
            ackedSeq = acked.seq();
            speculativeFrom = acked.seq();
            sendingStarted = true;
            pump();
        }
    }

    void onMessage(SyncMessage m) {
        if (failed) return;
        switch (m.getBodyCase()) {
            case HELLO -> onHello(m.getHello());
            case EVENTS -> {
                if (requireHello()) onEvents(m.getEvents());
            }
            case DOC_REQUEST -> {
                if (requireHello()) onDocRequest(m.getDocRequest());
            }
            case DOC_RESPONSE -> {
                if (requireHello()) onDocResponse(m.getDocResponse());
            }
            case ACK -> {
                if (requireHello()) onAck(m.getAck());
            }
            case ERROR -> onError(m.getError());
            default -> error(SyncError.Code.BAD_REQUEST, "empty or unknown message", "");
        }
        checkIdle();
    }

    /** A local edit was committed to my stream: send it if the session is running. */
    void localCommitted() {
        if (sendingStarted && !failed) {
            pump();
            checkIdle();
        }
    }

    private boolean requireHello() {
        if (helloReceived) return true;
        error(SyncError.Code.BAD_REQUEST, "message before Hello", "");
        return false;
    }

    private void onHello(Hello h) {
        if (h.getProtocolVersion() != PROTOCOL_VERSION) {
            error(SyncError.Code.UNSUPPORTED_VERSION, "this device speaks version " + PROTOCOL_VERSION, "");
            failed = true;
            out.fail("node speaks sync protocol version " + h.getProtocolVersion());
            return;
        }
        if (helloReceived) {
            error(SyncError.Code.BAD_REQUEST, "second Hello", "");
            return;
        }
        helloReceived = true;
        if (h.getMaxMessageBytes() > 0) peerMaxMessage = h.getMaxMessageBytes();
        StreamPosition yours = h.getYourPosition();
        long last = store.lastSeq();
        boolean known = yours.getEpoch() == store.epoch() && yours.getSeq() <= last;
        if (sendingStarted && known && yours.getSeq() >= speculativeFrom) {
            // The node has read at least as far as I guessed: what I sent already is no gap for it.
            if (yours.getSeq() > ackedSeq) {
                ackedSeq = yours.getSeq();
                store.setAcked(peerKey, new ClientStore.Position(store.epoch(), ackedSeq));
            }
            while (!unackedBatches.isEmpty() && unackedBatches.peekFirst() <= ackedSeq) unackedBatches.pollFirst();
        } else {
            // Nothing sent yet, or the guess was wrong (the node was restored, or read another life of
            // my stream): the node refuses the batches sent so far; start again where it really is.
            unackedBatches.clear();
            sentCaughtUp = false;
            if (!known) {
                // The node never read this stream, or read another life of it: list everything (heads comparison).
                sentThrough = 0;
                rescan = true;
                ackedSeq = 0;
            } else {
                sentThrough = yours.getSeq();
                ackedSeq = yours.getSeq();
                rescan = false;
                store.setAcked(peerKey, new ClientStore.Position(store.epoch(), ackedSeq));
            }
        }
        sendingStarted = true;
        pump();
    }

    /** Sends my events after {@link #sentThrough}, at most {@link #WINDOW} unacknowledged batches ahead. */
    private void pump() {
        store.flush(); // never list an event the node could read before it is durable here
        long last = store.lastSeq();
        while (unackedBatches.size() < WINDOW) {
            List<ClientStore.StoredEvent> page = store.eventsSince(sentThrough, BATCH_DOCS);
            if (page.isEmpty()) {
                if (!sentCaughtUp) {
                    sentCaughtUp = true;
                    out.send(SyncMessage.newBuilder().setEvents(Events.newBuilder()
                            .setEpoch(store.epoch()).setAfterSeq(sentThrough).setThroughSeq(sentThrough)
                            .setRescan(rescan).setCaughtUp(true)).build());
                }
                return;
            }
            long through = page.get(page.size() - 1).seq();
            List<ClientStore.StoredEvent> ordered = new ArrayList<>(page);
            ordered.sort(ClientStore.PRIORITY);
            Events.Builder b = Events.newBuilder().setEpoch(store.epoch()).setAfterSeq(sentThrough)
                    .setThroughSeq(through).setRescan(rescan).setCaughtUp(through >= last);
            for (ClientStore.StoredEvent e : ordered) {
                Event.Builder eb = Event.newBuilder().setSeq(e.seq()).setDocId(e.docId()).setKind(e.kind())
                        .setTimestampMs(e.timestamp());
                for (byte[] h : e.heads()) eb.addHeads(ByteString.copyFrom(h));
                b.addEvents(eb);
            }
            out.send(SyncMessage.newBuilder().setEvents(b).build());
            sentThrough = through;
            sentCaughtUp = through >= last;
            unackedBatches.addLast(through);
        }
    }

    private void onAck(Ack a) {
        StreamPosition p = a.getPosition();
        if (p.getEpoch() != store.epoch()) return; // an acknowledgement of another life of my stream
        if (p.getSeq() > ackedSeq) {
            ackedSeq = p.getSeq();
            store.setAcked(peerKey, new ClientStore.Position(p.getEpoch(), p.getSeq()));
        }
        while (!unackedBatches.isEmpty() && unackedBatches.peekFirst() <= ackedSeq) unackedBatches.pollFirst();
        pump();
    }

    private void onEvents(Events ev) {
        IncomingBatch batch = new IncomingBatch(ev.getEpoch(), ev.getThroughSeq(), ev.getCaughtUp());
        for (Event e : ev.getEventsList()) {
            List<byte[]> heads = new ArrayList<>(e.getHeadsCount());
            for (ByteString h : e.getHeadsList()) heads.add(h.toByteArray());
            if (!ChangeHashes.allValid(heads) || e.getDocId().isEmpty()) {
                error(SyncError.Code.BAD_REQUEST, "event with a malformed doc id or change hash", e.getDocId());
                continue;
            }
            Optional<ClientStore.StoredDoc> local = store.doc(e.getDocId());
            if (local.isPresent() && ChangeHashes.containsAll(local.get().heads(), heads)) continue;
            long id = ++nextRequestId;
            Request r = new Request(e.getDocId(), batch);
            requests.put(id, r);
            batch.pending.add(id);
            queuedRequests.addLast(id);
        }
        incoming.addLast(batch);
        sendQueuedRequests();
        acknowledgeCompleted();
    }

    /** Sends queued DocRequests, all at once, up to {@link #MAX_OUTSTANDING_REQUESTS} unanswered. */
    private void sendQueuedRequests() {
        while (outstandingRequests < MAX_OUTSTANDING_REQUESTS && !queuedRequests.isEmpty()) {
            long id = queuedRequests.pollFirst();
            Request r = requests.get(id);
            if (r == null) continue;
            r.sent = true;
            outstandingRequests++;
            // My heads as of now: an earlier answer may have brought this document meanwhile.
            DocRequest.Builder q = DocRequest.newBuilder().setDocId(r.docId).setRequestId(id);
            store.doc(r.docId).ifPresent(d -> d.heads().forEach(h -> q.addHeads(ByteString.copyFrom(h))));
            out.send(SyncMessage.newBuilder().setDocRequest(q).build());
        }
    }

    private void onDocResponse(DocResponse r) {
        long id = r.getRequestId();
        Request req = requests.get(id);
        if (req == null || !req.sent || !req.docId.equals(r.getDocId())) {
            error(SyncError.Code.BAD_REQUEST, "response to no request", r.getDocId());
            return;
        }
        if (req.parts.size() + r.getChanges().size() > MAX_DOC_RESPONSE_BYTES) {
            error(SyncError.Code.TOO_LARGE, "document larger than this device accepts", r.getDocId());
            requests.remove(id);
            done(id, req);
            return;
        }
        byte[] part = r.getChanges().toByteArray();
        req.parts.write(part, 0, part.length);
        if (r.getMore()) return;
        requests.remove(id);
        try {
            if (!r.getNotFound()) store(req.docId, req.parts.toByteArray(), r);
        } catch (RuntimeException e) { // AutomergeException is package-private in 0.0.7
            log.warn("node sent changes for {} that Automerge rejects: {}", req.docId, e.getMessage());
            error(SyncError.Code.REJECTED_CHANGES, "malformed changes", req.docId);
        } finally {
            // Only now, with the document committed (or rejected), may its batch be acknowledged.
            done(id, req);
        }
    }

    private void store(String docId, byte[] changes, DocResponse r) {
        Optional<ClientStore.StoredDoc> local = store.doc(docId);
        if (changes.length == 0 && local.isPresent()) return;
        AutomergeBytes.Result merged = AutomergeBytes.merge(local.map(ClientStore.StoredDoc::data).orElse(null), changes);
        if (!merged.changed() && local.isPresent()) return;
        Reach reach = local.map(ClientStore.StoredDoc::reach).orElse(Reach.fromProto(r.getReach()));
        String docOwner = local.map(ClientStore.StoredDoc::owner).filter(o -> !o.isEmpty()).orElse(r.getOwner());
        // Recorded as NEW in my own stream: what I received flows on from me too (SYNC-PROTOCOL "Epochs").
        // Group-committed: flushed before the batch is acknowledged (acknowledgeCompleted).
        store.deferCommits();
        store.saveDoc(docId, merged.data(), merged.heads(), reach, docOwner, EventKind.EVENT_KIND_NEW, clock.getAsLong());
        docsReceived++;
        listener.documentChanged(docId);
    }

    private void done(long id, Request req) {
        outstandingRequests--;
        req.batch.pending.remove(id);
        sendQueuedRequests();
        acknowledgeCompleted();
    }

    /** Acknowledges, in order, every batch whose documents are all stored; {@code read} is persisted first. */
    private void acknowledgeCompleted() {
        boolean acked = false;
        while (!incoming.isEmpty() && incoming.peekFirst().pending.isEmpty()) {
            if (!acked) store.flush(); // the documents are durable before their batch is acknowledged
            IncomingBatch b = incoming.pollFirst();
            ClientStore.Position p = new ClientStore.Position(b.epoch, b.through);
            store.setRead(peerKey, p);
            out.send(SyncMessage.newBuilder().setAck(Ack.newBuilder().setPosition(position(b.epoch, b.through))).build());
            if (b.caughtUp) peerCaughtUp = true;
            acked = true;
        }
        // Documents received in those batches are NEW events of my stream now: offer them in one go.
        if (acked && helloReceived) pump();
    }

    private void onDocRequest(DocRequest q) {
        List<byte[]> heads = new ArrayList<>(q.getHeadsCount());
        for (ByteString h : q.getHeadsList()) heads.add(h.toByteArray());
        if (!ChangeHashes.allValid(heads)) {
            error(SyncError.Code.BAD_REQUEST, "change hashes are 32 bytes", q.getDocId());
            return;
        }
        DocResponse.Builder r = DocResponse.newBuilder().setDocId(q.getDocId()).setRequestId(q.getRequestId());
        Optional<ClientStore.StoredDoc> local = store.doc(q.getDocId());
        if (local.isEmpty()) {
            out.send(SyncMessage.newBuilder().setDocResponse(r.setNotFound(true)).build());
            return;
        }
        ClientStore.StoredDoc d = local.get();
        byte[] changes = heads.isEmpty() ? d.data() : AutomergeBytes.changesSince(d.data(), heads);
        if (changes.length > peerMaxMessage - 64 * 1024) {
            error(SyncError.Code.TOO_LARGE, "document changes exceed the node's message limit", q.getDocId());
            return;
        }
        r.setChanges(ByteString.copyFrom(changes)).setReach(d.reach().toProto()).setOwner(d.owner().isEmpty() ? owner : d.owner());
        d.heads().forEach(h -> r.addHeads(ByteString.copyFrom(h)));
        out.send(SyncMessage.newBuilder().setDocResponse(r).build());
        docsSent++;
    }

    private void onError(SyncError e) {
        log.warn("node reported a sync error {} on '{}': {}", e.getCode(), e.getDocId(), e.getMessage());
        if (e.getCode() == SyncError.Code.UNSUPPORTED_VERSION) {
            failed = true;
            out.fail("node does not support sync protocol version " + PROTOCOL_VERSION);
        }
    }

    private void error(SyncError.Code code, String message, String docId) {
        out.send(SyncMessage.newBuilder().setError(SyncError.newBuilder().setCode(code).setMessage(message)
                .setDocId(docId)).build());
    }

    /** Converged: the node's stream applied to its end, mine acknowledged to its end, nothing in flight. */
    boolean isIdle() {
        return helloReceived && !failed && peerCaughtUp && incoming.isEmpty() && requests.isEmpty()
                && sentCaughtUp && ackedSeq >= store.lastSeq();
    }

    /** The session's progress, for error messages. */
    String describe() {
        return "hello=" + helloReceived + " peerCaughtUp=" + peerCaughtUp + " incomingBatches=" + incoming.size()
                + " openRequests=" + requests.size() + " sentThrough=" + sentThrough + " sentCaughtUp=" + sentCaughtUp
                + " unackedBatches=" + unackedBatches + " acked=" + ackedSeq + " lastSeq=" + store.lastSeq();
    }

    private void checkIdle() {
        if (!idleReported && isIdle()) {
            idleReported = true;
            listener.idle();
        } else if (idleReported && !isIdle()) {
            idleReported = false;
        }
    }

    private static StreamPosition position(long epoch, long seq) {
        return StreamPosition.newBuilder().setEpoch(epoch).setSeq(seq).build();
    }
}
