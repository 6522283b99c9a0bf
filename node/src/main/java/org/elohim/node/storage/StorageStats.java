package org.elohim.node.storage;

import org.elohim.node.docs.StreamPosition;

/**
 * A snapshot of the document store's counters, for /storage/stats and /metrics.
 * Counters are totals since the process started; documents/events/bytes are from the database.
 */
public record StorageStats(
        long documents,
        long storedBytes,
        StreamPosition position,
        long changesApplied,
        long changeBytesWritten,
        long rejectedChanges,
        long cacheHits,
        long cacheMisses,
        long cacheEvictions,
        int cachedDocuments,
        long compactions,
        long commits,
        long meanCommitNanos,
        long lastCommitNanos) {
}
