package org.elohim.sync;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.Reach;

/**
 * The engine's view of a participant's storage (node or device). Every call is asynchronous and
 * must not block the caller; futures may complete on any thread (the engine hops back to its
 * session's executor). A future that fails with {@link ChangesRejected} is bad input; any other
 * failure is a storage failure, and the session then ends without acknowledging anything more.
 */
public interface SyncStore {

    /** My stream's current position (epoch, last seq). */
    CompletableFuture<Position> position();

    /**
     * Events of my stream after {@code afterSeq} in the current epoch, one per document (the
     * latest), covering the seq range up to the largest seq returned without a hole; ordered by
     * priority (LOCAL first) then seq. Only events that are durable may be listed.
     */
    CompletableFuture<List<StreamEvent>> eventsSince(long afterSeq, int limit);

    /** The stored document, if any. */
    CompletableFuture<Optional<DocState>> doc(String docId);

    /**
     * Whether the document already contains every one of {@code heads} (as heads or in its
     * history). False if absent. Hashes are validated (32 bytes) by the engine.
     */
    CompletableFuture<Boolean> containsHeads(String docId, List<byte[]> heads);

    /**
     * The changes a holder of {@code heads} misses (all of them for empty heads), cut into parts
     * of at most {@code maxPartBytes} where change boundaries allow. Empty if the document is absent.
     */
    CompletableFuture<Optional<DocChanges>> changesSince(String docId, List<byte[]> heads, int maxPartBytes);

    /**
     * Merges encoded changes received from the peer into {@code docId}, creating it with
     * {@code owner}/{@code reachIfNew} if absent, recording {@code kind} in my stream. Completes
     * when the result is durable, including when the changes were already known (then after the
     * write that brought them is durable).
     */
    CompletableFuture<Void> apply(String docId, byte[] changes, String owner, Reach reachIfNew, EventKind kind);

    /** The durable positions kept for {@code peerId}. */
    CompletableFuture<PeerState> peer(String peerId);

    /**
     * Persists my read position of the peer's stream. Completes only when it and everything
     * applied before it are durable. Never moves a stored position backwards within an epoch.
     */
    CompletableFuture<Void> setRead(String peerId, Position read);

    /**
     * Persists the position of my stream the peer acknowledged (never backwards within an epoch;
     * it only seeds the next session's early events, which the peer's Hello then confirms).
     */
    CompletableFuture<Void> setAcked(String peerId, Position acked);

    /**
     * My stream went back (a peer reports having read past its end in this epoch): start a new
     * epoch and return the new position, and forget my read position of every peer (what I had
     * read may be lost with it). Peers then rescan by heads, both ways; the session ends so that
     * the next Hellos carry the new positions.
     */
    CompletableFuture<Position> startNewEpoch(String reason);
}
