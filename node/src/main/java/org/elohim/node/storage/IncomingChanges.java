package org.elohim.node.storage;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.elohim.node.changes.Chunk;
import org.elohim.node.changes.ChunkCodec;
import org.elohim.node.docs.ContentUnavailable;
import org.elohim.node.docs.DocumentRejected;

/**
 * What a write brings, as changes: splits a whole document into its changes (materialized once
 * under the budget), and has the engine decode new changes in a scratch document before they are
 * stored (docs/SYNC-PROTOCOL.md, Validation of incoming changes).
 */
final class IncomingChanges {
    private final Materializer materializer;
    private final LongAdder rejected;

    IncomingChanges(Materializer materializer, LongAdder rejected) {
        this.materializer = materializer;
        this.rejected = rejected;
    }

    /**
     * The changes of the input. A document chunk (what a peer that got a flags trailer, or an SDK
     * doing a first upload, may send) is materialized once, under the budget, to split it into
     * changes; one larger than the budget is refused with a clear error.
     */
    List<Chunk.Change> changesOf(String docId, List<Chunk> chunks) {
        List<Chunk.Change> out = new ArrayList<>();
        for (Chunk c : chunks) {
            if (c instanceof Chunk.Change ch) {
                out.add(ch);
            } else if (c instanceof Chunk.Document d) {
                try {
                    out.addAll(materializer.with(docId, d.bytes().length, List.of(d.bytes()), doc -> decodeOwn(
                            doc.encodeChangesSince(new ChangeHash[0]))));
                } catch (ContentUnavailable e) {
                    rejected.increment();
                    throw new DocumentRejected(DocumentRejected.Reason.TOO_LARGE, "a whole document of "
                            + d.bytes().length + " bytes was sent instead of changes; it is larger than the"
                            + " materialize budget (storage.materialize_budget_mb): send changes", e);
                } catch (StorageException e) {
                    rejected.increment();
                    throw new DocumentRejected(DocumentRejected.Reason.MALFORMED_CHANGES,
                            "document chunk for " + docId + " does not load: " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    /** Decodes what the engine itself encoded. */
    static List<Chunk.Change> decodeOwn(byte[] bytes) {
        List<Chunk.Change> out = new ArrayList<>();
        for (Chunk c : ChunkCodec.decode(bytes, Long.MAX_VALUE)) {
            if (c instanceof Chunk.Change ch) out.add(ch);
        }
        return out;
    }

    /**
     * Decodes new external changes with the engine in an empty scratch document: changes whose deps
     * are missing are parsed and queued, the others applied, so this checks each change's own
     * encoding at a cost that depends on the input, not on the document. Input larger than the
     * materialize budget is checked structurally only (docs/SYNC-PROTOCOL.md, Validation).
     */
    void check(String docId, List<Chunk.Change> fresh) {
        long total = fresh.stream().mapToLong(c -> c.bytes().length).sum();
        if (total > materializer.budgetBytes()) return;
        ByteArrayOutputStream all = new ByteArrayOutputStream((int) total);
        for (Chunk.Change c : fresh) all.writeBytes(c.bytes());
        try (Materializer.Lease ignored = materializer.acquire(docId, total)) {
            Document scratch = new Document();
            try {
                scratch.applyEncodedChanges(all.toByteArray());
            } catch (RuntimeException e) {
                // AutomergeException is package-private in 0.0.7; anything thrown here is bad input.
                throw reject(DocumentRejected.Reason.MALFORMED_CHANGES,
                        "Automerge cannot decode the changes for " + docId + ": " + e.getMessage());
            } finally {
                scratch.free();
            }
        } catch (ContentUnavailable e) {
            throw reject(DocumentRejected.Reason.TOO_LARGE, "cannot validate changes for " + docId + " now: "
                    + e.getMessage());
        }
    }

    private DocumentRejected reject(DocumentRejected.Reason reason, String message) {
        rejected.increment();
        return new DocumentRejected(reason, message);
    }
}
