package org.elohim.node.automergerepo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.elohim.node.automergerepo.RepoMessage.PeerMetadata;
import org.elohim.node.reach.Requester;

/** An automerge-repo client reduced to what the protocol needs: documents, sync states, a connection. */
final class SimulatedPeer implements AutoCloseable {
    final String senderId;
    final RepoHub hub;
    final Map<String, Document> docs = new HashMap<>();
    final Map<String, SyncState> states = new HashMap<>();
    RecordingLink link;
    RepoConnection conn;
    final Requester requester;
    final String storageId;

    SimulatedPeer(RepoHub hub, String senderId, Requester requester, String storageId) {
        this.hub = hub;
        this.senderId = senderId;
        this.requester = requester;
        this.storageId = storageId;
        connect();
    }

    void connect() {
        link = new RecordingLink();
        conn = hub.connect(requester, link);
        hub.receive(conn, new RepoMessage.Join(senderId, new PeerMetadata(storageId, storageId == null),
                List.of("1")));
    }

    void disconnect() {
        hub.disconnected(conn);
        states.values().forEach(SyncState::free);
        states.clear();
    }

    String create(String text) {
        String id = DocumentUrl.random().documentId();
        Document d = new Document();
        try (Transaction tx = d.startTransaction()) {
            ObjectId t = tx.set(ObjectId.ROOT, "text", ObjectType.TEXT);
            tx.spliceText(t, 0, 0, text);
            tx.commit();
        }
        docs.put(id, d);
        return id;
    }

    void append(String id, String more) {
        Document d = docs.get(id);
        ObjectId t = textId(d);
        try (Transaction tx = d.startTransaction()) {
            tx.spliceText(t, d.length(t), 0, more);
            tx.commit();
        }
    }

    static ObjectId textId(Document d) {
        return ((org.automerge.AmValue.Text) d.get(ObjectId.ROOT, "text").orElseThrow()).getId();
    }

    String text(String id) {
        Document d = docs.get(id);
        if (d == null || d.get(ObjectId.ROOT, "text").isEmpty()) return null;
        return d.text(textId(d)).orElse(null);
    }

    /** Sends what automerge wants to send for {@code id}, as a sync (or request when we have nothing). */
    boolean push(String id, boolean request) {
        Document d = docs.computeIfAbsent(id, k -> new Document());
        SyncState s = states.computeIfAbsent(id, k -> new SyncState());
        Optional<byte[]> m = d.generateSyncMessage(s);
        if (m.isEmpty()) return false;
        RepoMessage msg = request ? new RepoMessage.Request(senderId, hub.peerId(), id, m.get())
                : new RepoMessage.Sync(senderId, hub.peerId(), id, m.get());
        hub.receive(conn, msg);
        return true;
    }

    /** Applies sync messages the hub sent; returns how many. */
    int pull() {
        int n = 0;
        RepoMessage m;
        while ((m = link.inbox.poll()) != null) {
            if (m instanceof RepoMessage.Sync s) {
                Document d = docs.computeIfAbsent(s.documentId(), k -> new Document());
                d.receiveSyncMessage(states.computeIfAbsent(s.documentId(), k -> new SyncState()), s.data());
                n++;
            }
        }
        return n;
    }

    /** Runs the sync protocol for {@code id} until neither side has anything to say. */
    void sync(String id, boolean request) {
        boolean first = true;
        for (int i = 0; i < 50; i++) {
            boolean sent = push(id, request && first);
            first = false;
            int got = pull();
            if (!sent && got == 0) return;
        }
        throw new AssertionError("sync of " + id + " did not settle");
    }

    /** Applies and answers whatever the hub sent (live fan-out). */
    void settle() {
        for (int i = 0; i < 50; i++) {
            java.util.Set<String> touched = new java.util.HashSet<>();
            for (RepoMessage m : link.inbox) if (m instanceof RepoMessage.Sync s) touched.add(s.documentId());
            int got = pull();
            boolean sent = false;
            for (String id : touched) sent |= push(id, false);
            if (got == 0 && !sent) return;
        }
        throw new AssertionError("did not settle");
    }

    @Override
    public void close() {
        docs.values().forEach(Document::free);
        states.values().forEach(SyncState::free);
    }
}
