package org.elohim.node.storage;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.automerge.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots (compaction): when enough changes piled up since a document's snapshot and the
 * document fits the materialize budget, build it once and store its {@code save()} bytes, so that
 * materializing it later loads the snapshot plus the few changes after it. Sync never reads
 * snapshots; a document over the budget simply has none.
 */
final class SnapshotCompaction {
    private static final Logger log = LoggerFactory.getLogger(SnapshotCompaction.class);
    private final Database db;
    private final ChangeStore changes;
    private final Materializer materializer;
    private final SqliteDocumentService.Options options;
    private final LongAdder compactions;
    private final BooleanSupplier closed;

    SnapshotCompaction(Database db, ChangeStore changes, Materializer materializer,
                       SqliteDocumentService.Options options, LongAdder compactions, BooleanSupplier closed) {
        this.db = db;
        this.changes = changes;
        this.materializer = materializer;
        this.options = options;
        this.compactions = compactions;
        this.closed = closed;
    }

    /** A snapshot only speeds up materializing; take one when enough changes piled up and it fits the budget. */
    boolean needed(DocState s) {
        long since = s.size - s.snapshotCoveredBytes;
        return s.size <= materializer.budgetBytes() && s.changesSinceSnapshot() > 0
                && (s.changesSinceSnapshot() >= options.compactChunkCount()
                || since > Math.max(s.snapshotBytes, options.compactMinChunkBytes()));
    }

    /** Writes a snapshot of the committed changes (owner thread; FIFO after the changes it covers). */
    CompletableFuture<Boolean> compact(DocumentShard shard, String docId) {
        DocState s = shard.get(docId);
        if (s == null || !s.stored || s.changesSinceSnapshot() == 0 || s.size > materializer.budgetBytes()) {
            return CompletableFuture.completedFuture(false);
        }
        int upto = s.graph.size();
        if (!s.uncommitted.isEmpty()) {
            upto = s.uncommitted.keySet().stream().mapToInt(Integer::intValue).min().orElse(upto + 1) - 1;
        }
        if (upto <= s.snapshotUpto) return CompletableFuture.completedFuture(false);
        int covered = upto;
        byte[] snapshot;
        try {
            snapshot = materializer.with(docId, s.size, changes.materialParts(docId, covered), Document::save);
        } catch (RuntimeException e) {
            log.warn("compaction of {} skipped: {}", docId, e.getMessage());
            return CompletableFuture.completedFuture(false);
        }
        int previousUpto = s.snapshotUpto;
        long previousBytes = s.snapshotBytes;
        s.snapshotUpto = covered;
        s.snapshotBytes = snapshot.length;
        s.snapshotCoveredBytes = s.size - uncommittedBytes(s);
        s.pendingWrites.incrementAndGet();
        CompletableFuture<?> previous = s.lastWrite;
        CompletableFuture<Boolean> write = db.write(c -> {
            SqliteDocumentService.requireStored(previous, docId);
            ChangeStore.putSnapshot(c, docId, snapshot, covered);
            try (var ps = c.prepareStatement("UPDATE documents SET chunk_count=0, chunk_bytes=0 WHERE id=?")) {
                ps.setString(1, docId);
                ps.executeUpdate();
            }
            return true;
        });
        s.lastWrite = write;
        return write.whenCompleteAsync((ok, err) -> {
            if (s.pendingWrites.decrementAndGet() == 0 && !closed.getAsBoolean()) shard.writesSettled();
            if (err == null) {
                compactions.increment();
            } else {
                log.warn("compaction of {} failed", docId, err);
                shard.submit(() -> {
                    s.snapshotUpto = previousUpto;
                    s.snapshotBytes = previousBytes;
                    return null;
                });
            }
        }, db.callbackExecutor());
    }

    private static long uncommittedBytes(DocState s) {
        long b = 0;
        for (byte[] x : s.uncommitted.values()) b += x.length;
        return b;
    }
}
