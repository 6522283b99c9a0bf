package org.elohim.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.elohim.api.v1.EventKind;
import org.elohim.sync.ChangesRejected;
import org.elohim.sync.DocChanges;
import org.elohim.sync.DocState;
import org.elohim.sync.PeerState;
import org.elohim.sync.Position;
import org.elohim.sync.StreamEvent;
import org.elohim.sync.SyncStore;

/**
 * The device's {@link ClientStore} as the sync engine's storage. It runs on the SDK's single
 * actor thread (the session's executor), so its futures are already complete when returned.
 * Documents received are group-committed: saved in one open transaction that is committed before
 * the read position is stored (so before any Ack) and before my own events are listed.
 */
final class ClientSyncStore implements SyncStore {
    private final ClientStore store;
    private final String myOwner;
    private final LongSupplier clock;
    private int docsReceived;
    private int docsSent;

    ClientSyncStore(ClientStore store, String myOwner, LongSupplier clock) {
        this.store = store;
        this.myOwner = myOwner == null ? "" : myOwner;
        this.clock = clock;
    }

    int docsReceived() {
        return docsReceived;
    }

    int docsSent() {
        return docsSent;
    }

    private static <T> CompletableFuture<T> now(Callable<T> work) {
        try {
            return CompletableFuture.completedFuture(work.call());
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Position> position() {
        return now(() -> new Position(store.epoch(), store.lastSeq()));
    }

    @Override
    public CompletableFuture<List<StreamEvent>> eventsSince(long afterSeq, int limit) {
        return now(() -> {
            store.flush(); // never list an event the node could read before it is durable here
            List<ClientStore.StoredEvent> page = new ArrayList<>(store.eventsSince(afterSeq, limit));
            page.sort(ClientStore.PRIORITY);
            List<StreamEvent> out = new ArrayList<>(page.size());
            for (ClientStore.StoredEvent e : page) {
                Optional<LocalDocument> d = store.local(e.docId());
                out.add(new StreamEvent(e.seq(), e.docId(), e.heads(), e.kind(), e.timestamp(),
                        d.map(x -> x.reach().toProto()).orElse(org.elohim.api.v1.Reach.REACH_PRIVATE),
                        d.map(LocalDocument::owner).orElse("")));
            }
            return out;
        });
    }

    @Override
    public CompletableFuture<Optional<DocState>> doc(String docId) {
        return now(() -> store.local(docId).map(d -> new DocState(d.docId(), d.heads(), d.reach().toProto(),
                d.owner())));
    }

    @Override
    public CompletableFuture<Boolean> containsHeads(String docId, List<byte[]> heads) {
        return now(() -> store.local(docId).map(d -> ChangeHashes.containsAll(d.heads(), heads)).orElse(false));
    }

    @Override
    public CompletableFuture<Optional<DocChanges>> changesSince(String docId, List<byte[]> heads, int maxPartBytes) {
        return now(() -> {
            Optional<ClientStore.StoredDoc> local = store.doc(docId);
            if (local.isEmpty()) return Optional.<DocChanges>empty();
            ClientStore.StoredDoc d = local.get();
            byte[] changes = heads.isEmpty() ? d.data() : AutomergeBytes.changesSince(d.data(), heads);
            if (changes.length > maxPartBytes) {
                throw new ChangesRejected(ChangesRejected.Reason.TOO_LARGE,
                        "document changes exceed the node's message limit");
            }
            docsSent++;
            return Optional.of(new DocChanges(List.of(changes), d.heads(), d.reach().toProto(),
                    d.owner().isEmpty() ? myOwner : d.owner()));
        });
    }

    @Override
    public CompletableFuture<Void> apply(String docId, byte[] changes, String owner, org.elohim.api.v1.Reach reachIfNew,
                                        EventKind kind) {
        return now(() -> {
            Optional<ClientStore.StoredDoc> local = store.doc(docId);
            if (changes.length == 0 && local.isPresent()) return null;
            AutomergeBytes.Result merged;
            try {
                merged = AutomergeBytes.merge(local.map(ClientStore.StoredDoc::data).orElse(null), changes);
            } catch (RuntimeException e) { // AutomergeException is package-private in 0.0.7
                throw new ChangesRejected(ChangesRejected.Reason.MALFORMED, "malformed changes: " + e.getMessage());
            }
            if (!merged.changed() && local.isPresent()) return null;
            Reach reach = local.map(ClientStore.StoredDoc::reach).orElse(Reach.fromProto(reachIfNew));
            String docOwner = local.map(ClientStore.StoredDoc::owner).filter(o -> !o.isEmpty()).orElse(owner);
            // Recorded in my own stream: what I received flows on from me too (SYNC-PROTOCOL "Epochs").
            store.deferCommits();
            store.saveDoc(docId, merged.data(), merged.heads(), reach, docOwner, kind, clock.getAsLong());
            docsReceived++;
            return null;
        });
    }

    @Override
    public CompletableFuture<PeerState> peer(String peerId) {
        return now(() -> {
            ClientStore.PeerState p = store.peer(peerId);
            return new PeerState(new Position(p.read().epoch(), p.read().seq()),
                    new Position(p.acked().epoch(), p.acked().seq()));
        });
    }

    @Override
    public CompletableFuture<Void> setRead(String peerId, Position read) {
        return now(() -> {
            store.flush(); // the documents are durable before their batch is acknowledged
            ClientStore.Position current = store.peer(peerId).read();
            if (current.epoch() != read.epoch() || current.seq() < read.seq()) {
                store.setRead(peerId, new ClientStore.Position(read.epoch(), read.seq()));
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> setAcked(String peerId, Position acked) {
        return now(() -> {
            ClientStore.Position current = store.peer(peerId).acked();
            if (current.epoch() != acked.epoch() || current.seq() < acked.seq()) {
                store.setAcked(peerId, new ClientStore.Position(acked.epoch(), acked.seq()));
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Position> startNewEpoch(String reason) {
        return now(() -> {
            store.flush();
            store.renewEpoch(reason);
            return new Position(store.epoch(), store.lastSeq());
        });
    }
}
