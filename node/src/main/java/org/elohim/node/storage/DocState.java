package org.elohim.node.storage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.automerge.Document;
import org.elohim.node.changes.ChangeGraph;
import org.elohim.node.changes.Chunk;

/**
 * What a shard keeps in memory for one document: its change graph (hashes and deps, not
 * content), its outliers, the bytes of changes not yet committed, and, only for documents the node
 * edits itself, a materialized copy. Touched on the owner thread only, except {@link #uncommitted}.
 */
final class DocState {
    final ChangeGraph graph;
    /** Changes whose deps are missing, by hex hash, in arrival order. */
    final LinkedHashMap<String, Chunk.Change> outliers;
    /** Bytes of changes queued for commit, by n; dropped once the commit is done. */
    final Map<Integer, byte[]> uncommitted = new ConcurrentHashMap<>();
    final AtomicInteger pendingWrites = new AtomicInteger();
    /** The last write queued for this document (writes of one document commit in order). */
    CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);
    boolean stored;
    /** Total bytes of the document's change chunks. */
    long size;
    int snapshotUpto;
    long snapshotBytes;
    long outlierBytes;
    /** Materialized copy kept between the node's own edits (null otherwise); freed on eviction. */
    Document resident;
    /** Heads of {@link #resident}, to notice changes that arrived since it was built. */
    List<byte[]> residentHeads = List.of();
    /** Stored size charged for {@link #resident} to the service's count of kept copies. */
    long residentSize;
    AtomicLong residentCounter;
    /** Set when keeping {@link #resident} would exceed the share of kept copies: free after use. */
    boolean residentTransient;
    /** Document bytes covered by the snapshot (to decide when the next one is due). */
    long snapshotCoveredBytes;

    DocState(ChangeGraph graph, LinkedHashMap<String, Chunk.Change> outliers, boolean stored, long size,
             int snapshotUpto, long snapshotBytes) {
        this.graph = graph;
        this.outliers = outliers;
        this.stored = stored;
        this.size = size;
        this.snapshotUpto = snapshotUpto;
        this.snapshotBytes = snapshotBytes;
        for (Chunk.Change c : outliers.values()) outlierBytes += c.bytes().length;
    }

    static DocState empty() {
        return new DocState(new ChangeGraph(), new LinkedHashMap<>(), false, 0, 0, 0);
    }

    /** Changes applied since the snapshot. */
    int changesSinceSnapshot() {
        return graph.size() - snapshotUpto;
    }

    void keepResident(Document d, List<byte[]> heads, long size, AtomicLong counter, long maxKept) {
        resident = d;
        residentHeads = heads;
        residentSize = size;
        residentCounter = counter;
        residentTransient = counter.addAndGet(size) > maxKept;
    }

    /** Frees the materialized copy, if any; returns the stored size it stood for. */
    long freeResident() {
        if (resident == null) return 0;
        resident.free();
        resident = null;
        residentHeads = List.of();
        residentTransient = false;
        if (residentCounter != null) residentCounter.addAndGet(-residentSize);
        long freed = residentSize;
        residentSize = 0;
        return freed;
    }
}
