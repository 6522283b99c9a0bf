package org.elohim.node.docs;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.automerge.Document;
import org.elohim.node.reach.Reach;

/**
 * The node's documents: the one entry point every API (gRPC, WS, automerge-repo, p2p sync) uses.
 * Reach is NOT checked here; callers pass what they read through the ReachEnforcer.
 *
 * <p>Heads and hashes are raw 32-byte Automerge change hashes. Every method validates lengths
 * before touching Automerge (a wrong-length hash aborts the JVM in 0.0.7).
 * Futures complete only after the write is committed to SQLite (fsync'd, group commit).
 */
public interface DocumentService extends AutoCloseable {

    /**
     * Merges encoded Automerge changes (one or several concatenated changes, or a whole saved
     * document) into {@code docId}, creating the document with {@code owner}/{@code reachIfNew} if
     * it does not exist. Fails with {@link DocumentRejected} for malformed input; nothing is
     * stored then.
     */
    CompletableFuture<ApplyResult> applyChanges(String docId, byte[] changes, String owner, Reach reachIfNew,
                                                EventKind kind, String origin);

    /**
     * Runs {@code edit} on the document's owner thread (creating an empty document if absent),
     * then persists whatever changes it committed. Used by the CLI and the node's own edits.
     */
    CompletableFuture<ApplyResult> edit(String docId, String owner, Reach reachIfNew, Consumer<Document> edit,
                                        String origin);

    /** Reads the document on its owner thread; empty if absent. The Document must not escape fn. */
    <T> CompletableFuture<Optional<T>> read(String docId, Function<Document, T> fn);

    Optional<DocumentInfo> info(String docId);

    /** Whole document as Automerge save() bytes; empty if absent. */
    Optional<byte[]> save(String docId);

    /** Changes the holder of {@code heads} is missing (all changes if heads is empty). */
    Optional<byte[]> changesSince(String docId, List<byte[]> heads);

    /**
     * Whether the document already contains every one of {@code heads} (as heads or in its
     * history), i.e. fetching changes up to them would bring nothing new. False if absent. The
     * default compares with the current heads only (a false "no" just costs a request).
     */
    default boolean containsHeads(String docId, List<byte[]> heads) {
        return info(docId).map(i -> heads.stream().allMatch(h -> i.heads().stream()
                .anyMatch(x -> java.util.Arrays.equals(x, h)))).orElse(false);
    }

    /** Documents ordered by id, after {@code afterDocId} (null = from the start). */
    List<DocumentInfo> list(String afterDocId, int limit, Optional<Reach> reach, Optional<String> owner);

    long count();

    /** This node's stream: current position (epoch, last seq). */
    StreamPosition position();

    /** Events after {@code afterSeq} in this epoch, one per doc (the latest), ordered by priority then seq. */
    List<StreamEvent> eventsSince(long afterSeq, int limit);

    /** Subscribes to committed changes; returns a handle that unsubscribes on close. */
    AutoCloseable subscribe(Consumer<DocumentChange> listener);

    @Override
    void close();
}
