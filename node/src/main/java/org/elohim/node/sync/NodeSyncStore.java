package org.elohim.node.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.Reach;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.DocumentRejected;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.storage.ChangeChunks;
import org.elohim.node.storage.PeerPositions;
import org.elohim.sync.ChangesRejected;
import org.elohim.sync.DocChanges;
import org.elohim.sync.DocState;
import org.elohim.sync.PeerState;
import org.elohim.sync.Position;
import org.elohim.sync.StreamEvent;
import org.elohim.sync.SyncStore;

/**
 * The node's documents and peer positions as the sync engine's {@link SyncStore}, for one
 * session. {@link DocumentService}'s synchronous reads run on {@code reads} (a bounded pool of
 * the node's), never on the session's executor or a network thread.
 */
public final class NodeSyncStore implements SyncStore {
    /** Starts a new epoch of the node's stream and returns its position (docs/SYNC-PROTOCOL.md, Epochs). */
    @FunctionalInterface
    public interface EpochControl {
        CompletableFuture<org.elohim.node.docs.StreamPosition> startNewEpoch(String reason);
    }

    private final DocumentService docs;
    private final PeerPositions positions;
    private final EpochControl epochs;
    private final Executor reads;
    private final String origin;

    public NodeSyncStore(DocumentService docs, PeerPositions positions, EpochControl epochs, Executor reads,
                         String origin) {
        this.docs = docs;
        this.positions = positions;
        this.epochs = epochs;
        this.reads = reads;
        this.origin = origin;
    }

    private <T> CompletableFuture<T> read(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, reads);
    }

    @Override
    public CompletableFuture<Position> position() {
        return read(() -> position(docs.position()));
    }

    @Override
    public CompletableFuture<List<StreamEvent>> eventsSince(long afterSeq, int limit) {
        return read(() -> {
            List<StreamEvent> out = new ArrayList<>();
            for (org.elohim.node.docs.StreamEvent e : docs.eventsSince(afterSeq, limit)) {
                Optional<DocumentInfo> info = docs.info(e.docId());
                out.add(new StreamEvent(e.seq(), e.docId(), e.heads(), SyncProto.toProto(e.kind()), e.timestampMillis(),
                        info.map(i -> SyncProto.toProto(i.reach())).orElse(Reach.REACH_PRIVATE),
                        info.map(DocumentInfo::owner).orElse("")));
            }
            return out;
        });
    }

    @Override
    public CompletableFuture<Optional<DocState>> doc(String docId) {
        return read(() -> docs.info(docId).map(NodeSyncStore::state));
    }

    @Override
    public CompletableFuture<Boolean> containsHeads(String docId, List<byte[]> heads) {
        // The stored heads did not have them, so the history in memory did: answer yes only once
        // the write that brought them is durable (an empty apply waits for the document's last write).
        return read(() -> docs.containsHeads(docId, heads)).thenCompose(known -> !known
                ? CompletableFuture.completedFuture(false)
                : docs.applyChanges(docId, new byte[0], "", org.elohim.node.reach.Reach.PRIVATE,
                        org.elohim.node.docs.EventKind.LOCAL, origin).handle((r, err) -> {
                            if (err == null) return true;
                            Throwable cause = err instanceof CompletionException && err.getCause() != null
                                    ? err.getCause() : err;
                            if (cause instanceof DocumentRejected) return false; // just ask for the changes
                            throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
                        }));
    }

    @Override
    public CompletableFuture<Optional<DocChanges>> changesSince(String docId, List<byte[]> heads, int maxPartBytes) {
        return read(() -> {
            Optional<DocumentInfo> info = docs.info(docId);
            if (info.isEmpty()) return Optional.<DocChanges>empty();
            Optional<byte[]> changes;
            try {
                changes = docs.changesSince(docId, heads);
            } catch (DocumentRejected e) {
                throw new ChangesRejected(ChangesRejected.Reason.MALFORMED, e.getMessage());
            }
            DocumentInfo doc = info.get();
            return changes.map(c -> new DocChanges(c.length == 0 ? List.of() : ChangeChunks.split(c, maxPartBytes),
                    doc.heads(), SyncProto.toProto(doc.reach()), doc.owner()));
        });
    }

    @Override
    public CompletableFuture<Void> apply(String docId, byte[] changes, String owner, Reach reachIfNew, EventKind kind) {
        return docs.applyChanges(docId, changes, owner, SyncProto.fromProto(reachIfNew), SyncProto.fromProto(kind), origin)
                .handle((r, err) -> {
                    if (err == null) return null;
                    Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                    if (cause instanceof DocumentRejected dr) {
                        throw new ChangesRejected(dr.reason() == DocumentRejected.Reason.TOO_LARGE
                                ? ChangesRejected.Reason.TOO_LARGE : ChangesRejected.Reason.MALFORMED, dr.getMessage());
                    }
                    throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
                });
    }

    @Override
    public CompletableFuture<PeerState> peer(String peerId) {
        return read(() -> {
            PeerPositions.Entry e = positions.get(peerId);
            return new PeerState(position(e.read()), position(e.acked()));
        });
    }

    @Override
    public CompletableFuture<Void> setRead(String peerId, Position read) {
        return positions.setRead(peerId, new org.elohim.node.docs.StreamPosition(read.epoch(), read.seq()));
    }

    @Override
    public CompletableFuture<Void> setAcked(String peerId, Position acked) {
        return positions.setAcked(peerId, new org.elohim.node.docs.StreamPosition(acked.epoch(), acked.seq()));
    }

    @Override
    public CompletableFuture<Position> startNewEpoch(String reason) {
        return epochs.startNewEpoch(reason).thenApply(NodeSyncStore::position);
    }

    static Position position(org.elohim.node.docs.StreamPosition p) {
        return new Position(p.epoch(), p.seq());
    }

    static DocState state(DocumentInfo i) {
        return new DocState(i.docId(), i.heads(), SyncProto.toProto(i.reach()), i.owner());
    }
}
