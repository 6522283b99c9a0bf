package org.elohim.node.automergerepo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import java.util.function.Function;
import org.elohim.node.automergesync.PeerState;
import org.elohim.node.automergesync.SyncMessage;
import org.elohim.node.automergesync.SyncMessageCodec;
import org.elohim.node.automergesync.SyncMessageException;
import org.elohim.node.automergesync.SyncProtocol;
import org.elohim.node.changes.ChangeGraph;
import org.elohim.node.changes.Chunk;
import org.elohim.node.changes.ChunkCodec;
import org.elohim.node.changes.MalformedChunkException;
import org.elohim.node.docs.ChangeIndex;
import org.elohim.node.docs.ChangeView;
import org.elohim.node.automergerepo.RepoMessage.DocUnavailable;
import org.elohim.node.automergerepo.RepoMessage.Ephemeral;
import org.elohim.node.automergerepo.RepoMessage.HeadsAt;
import org.elohim.node.automergerepo.RepoMessage.Join;
import org.elohim.node.automergerepo.RepoMessage.Peer;
import org.elohim.node.automergerepo.RepoMessage.PeerMetadata;
import org.elohim.node.automergerepo.RepoMessage.RemoteHeadsChanged;
import org.elohim.node.automergerepo.RepoMessage.RemoteSubscriptionChange;
import org.elohim.node.automergerepo.RepoMessage.Request;
import org.elohim.node.automergerepo.RepoMessage.Sync;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.docs.EventKind;
import org.elohim.node.realtime.RealtimePolicy;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.Requester;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node as an automerge-repo sync server: the protocol state of every connected peer and the
 * documents they sync, driven by {@link DocumentService}.
 *
 * <p>Everything runs on one executor (a single thread in production, the caller in tests). The
 * Automerge sync protocol is spoken by {@link SyncProtocol} over the stored change graph
 * ({@link ChangeIndex}): no document is loaded into the CRDT engine to sync it, and the state per
 * peer and document is a few hash lists. Changes a peer sends are committed through
 * DocumentService, and only after the commit is the peer answered and the change fanned out, so a
 * peer never learns that the node has a change that a crash could lose; its later messages for
 * that document wait in order. Changes from any other source arrive through
 * {@link DocumentService#subscribe} and are fanned out the same way.
 */
public final class RepoHub implements AutoCloseable {
    public static final String ORIGIN = "automerge-repo";
    public static final String PROTOCOL_VERSION = "1";
    private static final Logger log = LoggerFactory.getLogger(RepoHub.class);
    private static final int MAX_ID_CHARS = 256;
    private static final int MAX_GOSSIP_ENTRIES = 16;
    private static final int MAX_BACKLOG = 256;
    private static final long MAX_INFLATED = 64L * 1024 * 1024;

    /** Bounds that keep one peer from exhausting the node. */
    public record Limits(int maxPeers, int maxDocumentsPerPeer, int maxSubscriptionsPerPeer,
                         int maxResidentDocuments, int maxJoinsPerConnection, int ephemeralMemory) {
        public static Limits defaults() {
            return new Limits(10_000, 100_000, 1_024, 2_000, 8, 10_000);
        }
    }

    private final DocumentService docs;
    private final ChangeIndex changes;
    private final RealtimePolicy policy;
    private final SyncStateStore syncStates;
    private final String peerId;
    private final String storageId;
    private final LongSupplier clock;
    private final Executor executor;
    private final Limits limits;
    private final AutoCloseable changeSubscription;

    private final Map<String, RepoConnection> peers = new HashMap<>();
    private final Map<String, LiveDoc> live = new HashMap<>();
    private final Map<String, Set<RepoConnection>> subscribers = new HashMap<>();
    private final LinkedHashMap<String, Boolean> seenEphemeral;
    private volatile boolean closed;

    private static final class LiveDoc {
        final String id;
        String owner;
        Reach reach;
        boolean exists;
        final Map<RepoConnection, PeerState> states = new HashMap<>();
        /** Messages that arrived while a write of this document was pending, in order. */
        final java.util.ArrayDeque<Pending> backlog = new java.util.ArrayDeque<>();
        final Set<RepoConnection> peers = new LinkedHashSet<>();
        /** Peers whose state was restored from storage and who have not been sent anything since. */
        final Set<RepoConnection> resumed = new java.util.HashSet<>();
        int pendingWrites;
        boolean externalChange;
        List<String> lastOwnHeads = List.of();
        final Map<String, List<String>> lastRemoteHeads = new HashMap<>();

        LiveDoc(String id) {
            this.id = id;
        }

        boolean known() {
            return owner != null;
        }
    }

    public RepoHub(DocumentService docs, RealtimePolicy policy, SyncStateStore syncStates, String peerId,
                   String storageId, LongSupplier clockMillis, Executor executor, Limits limits) {
        this.docs = Objects.requireNonNull(docs);
        if (!(docs instanceof ChangeIndex index)) throw new IllegalArgumentException("the document store has no change index");
        this.changes = index;
        this.policy = Objects.requireNonNull(policy);
        this.syncStates = Objects.requireNonNull(syncStates);
        this.peerId = Objects.requireNonNull(peerId);
        this.storageId = Objects.requireNonNull(storageId);
        this.clock = clockMillis;
        this.executor = executor;
        this.limits = limits;
        int memory = limits.ephemeralMemory();
        this.seenEphemeral = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > memory;
            }
        };
        this.changeSubscription = docs.subscribe(change -> {
            if (ORIGIN.equals(change.origin())) return;
            run(() -> onExternalChange(change.docId()));
        });
    }

    public String peerId() {
        return peerId;
    }

    public String storageId() {
        return storageId;
    }

    /** A new connection; the peer must join before anything else. */
    public RepoConnection connect(Requester requester, PeerLink link) {
        return new RepoConnection(requester, link);
    }

    /** A decoded frame from {@code conn}. */
    public void receive(RepoConnection conn, RepoMessage message) {
        run(() -> handle(conn, message));
    }

    /** A frame that did not decode: the peer is told why and disconnected. */
    public void receiveInvalid(RepoConnection conn, RepoProtocolException error) {
        run(() -> fail(conn, "invalid message: " + error.getMessage()));
    }

    /** The socket is gone (closed by either side, or dropped by the keep-alive). */
    public void disconnected(RepoConnection conn) {
        run(() -> disconnect(conn));
    }

    /** For tests and metrics: peers currently joined. */
    public int peerCount() {
        return peers.size();
    }

    public int liveDocumentCount() {
        return live.size();
    }

    private void run(Runnable r) {
        if (closed) return;
        try {
            executor.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.error("automerge-repo hub task failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("hub is shutting down; dropped a task");
        }
    }

    // ------------------------------------------------------------------ dispatch

    private void handle(RepoConnection conn, RepoMessage message) {
        if (conn.closed) return;
        if (message instanceof Join j) {
            onJoin(conn, j);
            return;
        }
        if (!conn.joined) {
            fail(conn, "the first message must be a join");
            return;
        }
        // Like the stock server: a message naming another sender is not this socket's to send.
        if (message.senderId() != null && !message.senderId().equals(conn.senderId)) return;
        if (message instanceof Sync s) {
            onSync(conn, s.documentId(), s.data(), false);
        } else if (message instanceof Request r) {
            onSync(conn, r.documentId(), r.data(), true);
        } else if (message instanceof Ephemeral e) {
            onEphemeral(conn, e);
        } else if (message instanceof RemoteSubscriptionChange c) {
            onSubscriptionChange(conn, c);
        } else if (message instanceof RemoteHeadsChanged h) {
            onRemoteHeads(conn, h);
        } else if (message instanceof RepoMessage.Error) {
            conn.link.close(PeerLink.NORMAL, "peer reported an error");
            disconnect(conn);
        }
        // doc-unavailable from a client, peer, unknown types: nothing to do
    }

    private void onJoin(RepoConnection conn, Join join) {
        String sender = join.senderId();
        if (conn.joined) {
            if (!conn.senderId.equals(sender)) {
                fail(conn, "a connection cannot change its senderId");
            } else if (++conn.joins > limits.maxJoinsPerConnection()) {
                fail(conn, "too many join messages");
            } else {
                sendPeer(conn);
            }
            return;
        }
        conn.senderId = sender;
        if (sender.isEmpty() || sender.length() > MAX_ID_CHARS) {
            fail(conn, "invalid senderId");
            return;
        }
        List<String> versions = join.supportedProtocolVersions();
        if (versions != null && !versions.contains(PROTOCOL_VERSION)) {
            fail(conn, "unsupported protocol version");
            return;
        }
        PeerMetadata meta = join.peerMetadata();
        if (meta != null && meta.storageId() != null && meta.storageId().length() > MAX_ID_CHARS) {
            fail(conn, "invalid storageId");
            return;
        }
        RepoConnection previous = peers.get(sender);
        if (previous != null && previous != conn) {
            // A second join with the same senderId replaces the old socket (a reconnecting tab).
            previous.link.close(PeerLink.NORMAL, "replaced by a newer connection");
            disconnect(previous);
        } else if (peers.size() >= limits.maxPeers()) {
            fail(conn, "too many peers connected");
            return;
        }
        conn.metadata = meta;
        conn.joined = true;
        conn.joins = 1;
        peers.put(sender, conn);
        sendPeer(conn);
    }

    private void sendPeer(RepoConnection conn) {
        conn.link.send(new Peer(peerId, conn.senderId, new PeerMetadata(storageId, false), PROTOCOL_VERSION));
    }

    private void fail(RepoConnection conn, String why) {
        if (conn.closed) return;
        conn.link.send(new RepoMessage.Error(peerId, conn.senderId, why));
        conn.link.close(PeerLink.POLICY_VIOLATION, why);
        disconnect(conn);
    }

    // ------------------------------------------------------------------ sync

    private void onSync(RepoConnection conn, String documentId, byte[] data, boolean isRequest) {
        if (!DocumentUrl.isValidId(documentId)) {
            fail(conn, "invalid documentId");
            return;
        }
        SyncMessage msg;
        try {
            msg = SyncMessageCodec.decode(data);
        } catch (SyncMessageException e) {
            fail(conn, "invalid sync message: " + e.getMessage());
            return;
        }
        if (!conn.documents.contains(documentId) && conn.documents.size() >= limits.maxDocumentsPerPeer()) {
            fail(conn, "too many documents on one connection");
            return;
        }
        LiveDoc doc = liveDoc(documentId);
        if (doc.known() && !policy.mayRead(conn.requester, doc.owner, doc.reach)) {
            // Denied looks exactly like missing.
            conn.link.send(new DocUnavailable(peerId, conn.senderId, documentId));
            retireIfIdle(doc);
            return;
        }
        boolean peerHasDocument = !isRequest && !msg.heads().isEmpty();
        if (!doc.exists && !peerHasDocument && doc.pendingWrites == 0) {
            // Remember the interest: if the document appears, this peer gets it.
            attach(conn, doc);
            conn.link.send(new DocUnavailable(peerId, conn.senderId, documentId));
            return;
        }
        if (!doc.known()) {
            RealtimePolicy.NewDocument created = policy.newDocumentFor(conn.requester);
            doc.owner = created.owner();
            doc.reach = created.reach();
        }
        if (!msg.changes().isEmpty() && !policy.mayWrite(conn.requester, doc.owner, doc.reach)) {
            fail(conn, "this document is read-only for you");
            return;
        }
        attach(conn, doc);
        if (doc.pendingWrites > 0) {
            // Messages of a document are handled in order, each after the write before it committed.
            if (doc.backlog.size() >= MAX_BACKLOG) {
                fail(conn, "too many sync messages in flight for one document");
                return;
            }
            doc.backlog.add(new Pending(conn, msg));
            return;
        }
        process(conn, doc, msg);
    }

    private record Pending(RepoConnection conn, SyncMessage msg) {
    }

    /** Applies the message's changes (if any, durably), updates the peer's state, answers everyone. */
    private void process(RepoConnection conn, LiveDoc doc, SyncMessage msg) {
        if (conn.closed) return;
        noteRemoteHeads(conn, doc, msg.heads());
        if (msg.changes().isEmpty()) {
            PeerState state = stateFor(doc, conn);
            List<byte[]> before = withView(doc, v -> {
                List<byte[]> heads = v.graph().heads();
                SyncProtocol.receive(state, msg, heads, List.of(), v);
                return heads;
            });
            // A resuming peer that is already in sync needs no answer (most of a catch-up's bytes).
            boolean quiet = doc.resumed.contains(conn) && msg.need().isEmpty() && sameSet(msg.heads(), before);
            flush(doc, quiet ? conn : null);
            return;
        }
        List<byte[]> before = withView(doc, v -> v.graph().heads());
        byte[] all = concat(msg.changes());
        List<byte[]> applied = new ArrayList<>();
        try {
            for (Chunk c : ChunkCodec.decode(all, MAX_INFLATED)) {
                if (c instanceof Chunk.Change ch) applied.add(ch.hash());
                else if (c instanceof Chunk.Document d) applied.addAll(d.heads());
            }
        } catch (MalformedChunkException e) {
            fail(conn, "invalid changes: " + e.getMessage());
            return;
        }
        doc.pendingWrites++;
        docs.applyChanges(doc.id, all, doc.owner, doc.reach, EventKind.LOCAL, ORIGIN)
                .whenComplete((result, error) -> run(() -> {
                    doc.pendingWrites--;
                    if (error != null) {
                        log.info("changes to {} from {} were not stored: {}", doc.id, conn.senderId, error.toString());
                        fail(conn, "changes rejected: " + rootMessage(error));
                    } else {
                        refreshInfo(doc);
                        if (!conn.closed) {
                            PeerState state = stateFor(doc, conn);
                            withView(doc, v -> {
                                SyncProtocol.receive(state, msg, before, applied, v);
                                return null;
                            });
                        }
                    }
                    if (live.get(doc.id) == doc) {
                        flush(doc);
                        drainBacklog(doc);
                        retireIfIdle(doc);
                    }
                }));
    }

    private void drainBacklog(LiveDoc doc) {
        while (doc.pendingWrites == 0 && !doc.backlog.isEmpty()) {
            Pending p = doc.backlog.poll();
            process(p.conn(), doc, p.msg());
        }
    }

    private void onExternalChange(String documentId) {
        LiveDoc doc = live.get(documentId);
        if (doc == null) return;
        doc.externalChange = true;
        flush(doc);
    }

    /** Sends every attached peer what it lacks, computed from the stored change graph. */
    private void flush(LiveDoc doc) {
        flush(doc, null);
    }

    private void flush(LiveDoc doc, RepoConnection skip) {
        if (doc.pendingWrites > 0) return;
        if (doc.externalChange) {
            doc.externalChange = false;
            refreshInfo(doc);
        }
        if (!doc.known()) return;
        List<RepoConnection> targets = new ArrayList<>();
        for (RepoConnection conn : List.copyOf(doc.peers)) {
            if (conn.closed || !policy.mayRead(conn.requester, doc.owner, doc.reach)) continue;
            // Before the first commit, only peers that are syncing it in (they have it) hear about it;
            // those told "unavailable" wait for it to exist.
            if (!doc.exists && !doc.states.containsKey(conn)) continue;
            if (conn == skip) continue;
            stateFor(doc, conn);
            targets.add(conn);
        }
        List<Sync> out = new ArrayList<>();
        List<byte[]> heads = withView(doc, v -> {
            for (RepoConnection conn : targets) {
                SyncProtocol.generate(doc.states.get(conn), v).ifPresent(m -> {
                    doc.resumed.remove(conn);
                    out.add(new Sync(peerId, conn.senderId, doc.id, SyncMessageCodec.encode(m)));
                });
            }
            return v.graph().heads();
        });
        for (Sync m : out) {
            for (RepoConnection c : targets) {
                if (c.senderId.equals(m.targetId())) c.link.send(m);
            }
        }
        gossipOwnHeads(doc, heads);
    }

    /** Runs {@code fn} over the document's change graph (an empty one if it is not stored yet). */
    private <T> T withView(LiveDoc doc, Function<ChangeView, T> fn) {
        // A document not stored yet has no graph: no need to ask its owner thread.
        if (!doc.exists) return fn.apply(EMPTY_VIEW);
        return changes.withChanges(doc.id, fn).orElseGet(() -> fn.apply(EMPTY_VIEW));
    }

    private static final ChangeView EMPTY_VIEW = new ChangeView() {
        private final ChangeGraph empty = new ChangeGraph();

        @Override
        public ChangeGraph graph() {
            return empty;
        }

        @Override
        public java.util.Collection<Chunk.Change> outliers() {
            return List.of();
        }

        @Override
        public List<byte[]> changes(int[] indices) {
            if (indices.length > 0) throw new IllegalArgumentException("no changes");
            return List.of();
        }
    };

    private void refreshInfo(LiveDoc doc) {
        Optional<DocumentInfo> info = docs.info(doc.id);
        if (info.isPresent()) {
            doc.exists = true;
            doc.owner = info.get().owner();
            doc.reach = info.get().reach();
        }
    }

    private LiveDoc liveDoc(String documentId) {
        LiveDoc doc = live.get(documentId);
        if (doc != null) return doc;
        doc = new LiveDoc(documentId);
        refreshInfo(doc);
        live.put(documentId, doc);
        return doc;
    }

    private PeerState stateFor(LiveDoc doc, RepoConnection conn) {
        PeerState state = doc.states.get(conn);
        if (state != null) return state;
        String storage = conn.persistentStorageId();
        if (storage != null) {
            Optional<PeerState> saved = syncStates.load(storage, doc.id).flatMap(PeerState::decode);
            if (saved.isPresent()) {
                state = saved.get();
                doc.resumed.add(conn);
            }
        }
        if (state == null) state = new PeerState();
        doc.states.put(conn, state);
        return state;
    }

    private void attach(RepoConnection conn, LiveDoc doc) {
        doc.peers.add(conn);
        conn.documents.add(doc.id);
    }

    private void retireIfIdle(LiveDoc doc) {
        if (!doc.peers.isEmpty() || doc.pendingWrites > 0 || !doc.backlog.isEmpty()) return;
        doc.states.clear();
        live.remove(doc.id);
    }

    private void disconnect(RepoConnection conn) {
        if (conn.closed) return;
        conn.closed = true;
        if (conn.joined && peers.get(conn.senderId) == conn) peers.remove(conn.senderId);
        String storage = conn.persistentStorageId();
        Map<String, byte[]> toPersist = new HashMap<>();
        for (String id : conn.documents) {
            LiveDoc doc = live.get(id);
            if (doc == null) continue;
            PeerState state = doc.states.remove(conn);
            if (state != null && storage != null && doc.exists) toPersist.put(id, state.encode());
            doc.peers.remove(conn);
            doc.resumed.remove(conn);
            retireIfIdle(doc);
        }
        conn.documents.clear();
        for (String s : conn.subscriptions) {
            Set<RepoConnection> set = subscribers.get(s);
            if (set != null && set.remove(conn) && set.isEmpty()) subscribers.remove(s);
        }
        conn.subscriptions.clear();
        if (storage != null && !toPersist.isEmpty()) syncStates.saveAll(storage, toPersist);
    }

    // ------------------------------------------------------------------ ephemeral and gossip

    private void onEphemeral(RepoConnection conn, Ephemeral e) {
        if (!DocumentUrl.isValidId(e.documentId())) {
            fail(conn, "invalid documentId");
            return;
        }
        String key = e.senderId() + '\n' + e.sessionId() + '\n' + e.count();
        if (seenEphemeral.put(key, Boolean.TRUE) != null) return;
        LiveDoc doc = live.get(e.documentId());
        if (doc == null || !doc.known() || !policy.mayRead(conn.requester, doc.owner, doc.reach)) return;
        for (RepoConnection p : doc.peers) {
            if (p == conn || p.closed || !policy.mayRead(p.requester, doc.owner, doc.reach)) continue;
            p.link.send(new Ephemeral(conn.senderId, p.senderId, e.documentId(), e.count(), e.sessionId(), e.data()));
        }
    }

    private void onSubscriptionChange(RepoConnection conn, RemoteSubscriptionChange change) {
        if (change.remove() != null) {
            for (String s : change.remove()) {
                conn.subscriptions.remove(s);
                Set<RepoConnection> set = subscribers.get(s);
                if (set != null && set.remove(conn) && set.isEmpty()) subscribers.remove(s);
            }
        }
        if (change.add() != null) {
            for (String s : change.add()) {
                if (s.isEmpty() || s.length() > MAX_ID_CHARS) {
                    fail(conn, "invalid storageId");
                    return;
                }
                if (!conn.subscriptions.contains(s) && conn.subscriptions.size() >= limits.maxSubscriptionsPerPeer()) {
                    fail(conn, "too many remote subscriptions");
                    return;
                }
                conn.subscriptions.add(s);
                subscribers.computeIfAbsent(s, k -> new LinkedHashSet<>()).add(conn);
            }
        }
    }

    private void onRemoteHeads(RepoConnection conn, RemoteHeadsChanged message) {
        LiveDoc doc = live.get(message.documentId());
        if (doc == null || !doc.known() || !policy.mayRead(conn.requester, doc.owner, doc.reach)) return;
        int n = 0;
        for (Map.Entry<String, HeadsAt> e : message.newHeads().entrySet()) {
            if (++n > MAX_GOSSIP_ENTRIES) break;
            if (e.getKey().equals(storageId)) continue; // only this node speaks for its own storage
            gossip(doc, e.getKey(), e.getValue(), conn);
        }
    }

    private void noteRemoteHeads(RepoConnection conn, LiveDoc doc, List<byte[]> heads) {
        String storage = conn.storageId();
        if (storage == null || heads.isEmpty() || !subscribers.containsKey(storage)) return;
        List<String> encoded = heads.stream().map(Base58Check::encode).toList();
        if (encoded.equals(doc.lastRemoteHeads.get(storage))) return;
        if (doc.lastRemoteHeads.size() < 1_024) doc.lastRemoteHeads.put(storage, encoded);
        gossip(doc, storage, new HeadsAt(encoded, clock.getAsLong()), conn);
    }

    private void gossipOwnHeads(LiveDoc doc, List<byte[]> ownHeads) {
        if (!subscribers.containsKey(storageId)) return;
        List<String> heads = ownHeads.stream().map(Base58Check::encode).toList();
        if (heads.equals(doc.lastOwnHeads)) return;
        doc.lastOwnHeads = heads;
        gossip(doc, storageId, new HeadsAt(heads, clock.getAsLong()), null);
    }

    private void gossip(LiveDoc doc, String storage, HeadsAt heads, RepoConnection except) {
        Set<RepoConnection> subs = subscribers.get(storage);
        if (subs == null) return;
        for (RepoConnection s : List.copyOf(subs)) {
            if (s == except || s.closed || !policy.mayRead(s.requester, doc.owner, doc.reach)) continue;
            s.link.send(new RemoteHeadsChanged(peerId, s.senderId, doc.id, Map.of(storage, heads)));
        }
    }

    private static boolean sameSet(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) return false;
        outer:
        for (byte[] x : a) {
            for (byte[] y : b) if (Arrays.equals(x, y)) continue outer;
            return false;
        }
        return true;
    }

    private static byte[] concat(List<byte[]> parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return String.valueOf(t.getMessage());
    }

    /** Unsubscribes from the store and frees native memory. Call on the hub's executor or after it stopped. */
    @Override
    public void close() {
        closed = true;
        try {
            changeSubscription.close();
        } catch (Exception e) {
            log.debug("unsubscribe failed", e);
        }
        for (RepoConnection c : List.copyOf(peers.values())) {
            c.link.close(PeerLink.NORMAL, "node shutting down");
            disconnect(c);
        }
        for (LiveDoc d : List.copyOf(live.values())) d.states.clear();
        live.clear();
    }
}
