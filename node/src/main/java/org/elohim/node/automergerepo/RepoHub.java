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
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.SyncState;
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
 * <p>Everything runs on one executor (a single thread in production, the caller in tests), so
 * Automerge documents and sync states have a single owner (DESIGN §5). Each synced document has
 * a replica here; changes a peer sends are merged into it, committed through DocumentService,
 * and only after the commit is the peer answered and the change fanned out, so a peer never
 * learns that the node has a change that a crash could lose. Changes from any other source
 * arrive through {@link DocumentService#subscribe} and are fanned out the same way.
 */
public final class RepoHub implements AutoCloseable {
    public static final String ORIGIN = "automerge-repo";
    public static final String PROTOCOL_VERSION = "1";
    private static final Logger log = LoggerFactory.getLogger(RepoHub.class);
    private static final int MAX_ID_CHARS = 256;
    private static final int MAX_GOSSIP_ENTRIES = 16;

    /** Bounds that keep one peer from exhausting the node. */
    public record Limits(int maxPeers, int maxDocumentsPerPeer, int maxSubscriptionsPerPeer,
                         int maxResidentDocuments, int maxJoinsPerConnection, int ephemeralMemory) {
        public static Limits defaults() {
            return new Limits(10_000, 100_000, 1_024, 2_000, 8, 10_000);
        }
    }

    private final DocumentService docs;
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
    /** Documents whose replica is loaded, least recently used first. */
    private final LinkedHashMap<String, LiveDoc> resident = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Set<RepoConnection>> subscribers = new HashMap<>();
    private final LinkedHashMap<String, Boolean> seenEphemeral;
    private volatile boolean closed;

    private static final class LiveDoc {
        final String id;
        String owner;
        Reach reach;
        boolean exists;
        Document replica;
        final Map<RepoConnection, SyncState> states = new HashMap<>();
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
        Optional<SyncMessageHeader> parsed = SyncMessageHeader.parse(data);
        if (parsed.isEmpty()) {
            fail(conn, "invalid sync message");
            return;
        }
        SyncMessageHeader header = parsed.get();
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
        boolean peerHasDocument = !isRequest && !header.heads().isEmpty();
        if (!doc.exists && !peerHasDocument) {
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
        if (header.changeCount() > 0 && !policy.mayWrite(conn.requester, doc.owner, doc.reach)) {
            fail(conn, "this document is read-only for you");
            return;
        }
        attach(conn, doc);
        Document replica = replica(doc);
        SyncState state = stateFor(doc, conn);
        ChangeHash[] before = replica.getHeads();
        try {
            replica.receiveSyncMessage(state, data);
        } catch (RuntimeException e) {
            // Automerge rejected the bytes; drop anything half-merged and the peer's session.
            unloadReplica(doc);
            fail(conn, "invalid sync message: " + e.getMessage());
            return;
        }
        noteRemoteHeads(conn, doc, header.heads());
        ChangeHash[] after = replica.getHeads();
        if (!sameHeads(before, after)) {
            persist(doc, replica.encodeChangesSince(before), conn);
            flush(doc, null);
            return;
        }
        // A resuming peer that is already in sync needs no answer: a restored SyncState does not
        // remember the heads it last sent, so Automerge would send them again for every document
        // the peer announces on reconnect (most of a catch-up's bytes).
        boolean quiet = doc.resumed.contains(conn) && header.changeCount() == 0 && header.needCount() == 0
                && sameHeads(header.heads(), after);
        flush(doc, quiet ? conn : null);
    }

    private void persist(LiveDoc doc, byte[] changes, RepoConnection from) {
        doc.pendingWrites++;
        docs.applyChanges(doc.id, changes, doc.owner, doc.reach, EventKind.LOCAL, ORIGIN)
                .whenComplete((result, error) -> run(() -> {
                    doc.pendingWrites--;
                    if (error != null) {
                        log.info("changes to {} from {} were not stored: {}", doc.id, from.senderId, error.toString());
                        unloadReplica(doc);
                        fail(from, "changes rejected: " + rootMessage(error));
                    } else {
                        refreshInfo(doc);
                    }
                    if (live.get(doc.id) == doc) {
                        flush(doc);
                        retireIfIdle(doc);
                    }
                }));
    }

    private void onExternalChange(String documentId) {
        LiveDoc doc = live.get(documentId);
        if (doc == null) return;
        doc.externalChange = true;
        flush(doc);
    }

    /** Brings the replica up to date with the store and sends every attached peer what it lacks. */
    private void flush(LiveDoc doc) {
        flush(doc, null);
    }

    private void flush(LiveDoc doc, RepoConnection skip) {
        if (doc.pendingWrites > 0) return;
        if (doc.externalChange) {
            doc.externalChange = false;
            refreshInfo(doc);
            if (doc.replica != null && doc.exists) {
                List<byte[]> heads = new ArrayList<>();
                for (ChangeHash h : doc.replica.getHeads()) heads.add(h.getBytes());
                try {
                    docs.changesSince(doc.id, heads).filter(b -> b.length > 0)
                            .ifPresent(doc.replica::applyEncodedChanges);
                } catch (RuntimeException e) {
                    log.warn("could not refresh replica of {}; reloading it", doc.id, e);
                    unloadReplica(doc);
                }
            }
        }
        if (!doc.known()) return;
        Document replica = replica(doc);
        for (RepoConnection conn : List.copyOf(doc.peers)) {
            if (conn.closed || !policy.mayRead(conn.requester, doc.owner, doc.reach)) continue;
            // Before the first commit, only peers that are syncing it in (they have it) hear about it;
            // those told "unavailable" wait for it to exist.
            if (!doc.exists && !doc.states.containsKey(conn)) continue;
            if (conn == skip) continue;
            Optional<byte[]> message = replica.generateSyncMessage(stateFor(doc, conn));
            if (message.isPresent()) {
                doc.resumed.remove(conn);
                conn.link.send(new Sync(peerId, conn.senderId, doc.id, message.get()));
            }
        }
        gossipOwnHeads(doc, replica);
        evictReplicas();
    }

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

    private Document replica(LiveDoc doc) {
        if (doc.replica == null) {
            doc.replica = doc.exists ? docs.save(doc.id).map(Document::load).orElseGet(Document::new) : new Document();
        }
        resident.put(doc.id, doc);
        return doc.replica;
    }

    private void unloadReplica(LiveDoc doc) {
        if (doc.replica != null) {
            doc.replica.free();
            doc.replica = null;
        }
        resident.remove(doc.id);
    }

    private void evictReplicas() {
        if (resident.size() <= limits.maxResidentDocuments()) return;
        Iterator<LiveDoc> it = resident.values().iterator();
        while (resident.size() > limits.maxResidentDocuments() && it.hasNext()) {
            LiveDoc d = it.next();
            if (d.pendingWrites > 0) continue;
            if (d.replica != null) {
                d.replica.free();
                d.replica = null;
            }
            it.remove();
        }
    }

    private SyncState stateFor(LiveDoc doc, RepoConnection conn) {
        SyncState state = doc.states.get(conn);
        if (state != null) return state;
        String storage = conn.persistentStorageId();
        if (storage != null) {
            Optional<byte[]> saved = syncStates.load(storage, doc.id);
            if (saved.isPresent()) {
                try {
                    state = SyncState.decode(saved.get());
                    doc.resumed.add(conn);
                } catch (RuntimeException e) {
                    log.debug("discarding undecodable sync state of {} for {}", storage, doc.id);
                }
            }
        }
        if (state == null) state = new SyncState();
        doc.states.put(conn, state);
        return state;
    }

    private void attach(RepoConnection conn, LiveDoc doc) {
        doc.peers.add(conn);
        conn.documents.add(doc.id);
    }

    private void retireIfIdle(LiveDoc doc) {
        if (!doc.peers.isEmpty() || doc.pendingWrites > 0) return;
        unloadReplica(doc);
        for (SyncState s : doc.states.values()) s.free();
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
            SyncState state = doc.states.remove(conn);
            if (state != null) {
                if (storage != null && doc.exists) toPersist.put(id, state.encode());
                state.free();
            }
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

    private void gossipOwnHeads(LiveDoc doc, Document replica) {
        if (!subscribers.containsKey(storageId)) return;
        List<String> heads = Arrays.stream(replica.getHeads()).map(h -> Base58Check.encode(h.getBytes())).toList();
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

    private static boolean sameHeads(List<byte[]> a, ChangeHash[] b) {
        if (a.size() != b.length) return false;
        outer:
        for (byte[] x : a) {
            for (ChangeHash h : b) if (Arrays.equals(x, h.getBytes())) continue outer;
            return false;
        }
        return true;
    }

    private static boolean sameHeads(ChangeHash[] a, ChangeHash[] b) {
        if (a.length != b.length) return false;
        Set<ChangeHash> s = new java.util.HashSet<>(Arrays.asList(a));
        for (ChangeHash h : b) if (!s.contains(h)) return false;
        return true;
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
        for (LiveDoc d : List.copyOf(live.values())) {
            unloadReplica(d);
            for (SyncState s : d.states.values()) s.free();
            d.states.clear();
        }
        live.clear();
    }
}
