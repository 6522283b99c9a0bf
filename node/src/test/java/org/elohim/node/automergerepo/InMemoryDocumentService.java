package org.elohim.node.automergerepo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.elohim.node.docs.ApplyResult;
import org.elohim.node.docs.DocumentChange;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.DocumentRejected;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.docs.EventKind;
import org.elohim.node.docs.StreamEvent;
import org.elohim.node.docs.StreamPosition;
import org.elohim.node.reach.Reach;

/** A fast in-memory DocumentService for unit tests of the protocol logic (the interop tests use SQLite). */
public final class InMemoryDocumentService implements DocumentService, org.elohim.node.docs.ChangeIndex {
    private record Entry(Document doc, String owner, Reach reach) {
    }

    private final Map<String, Entry> docs = new ConcurrentHashMap<>();
    private final List<Consumer<DocumentChange>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong seq = new AtomicLong();

    @Override
    public synchronized CompletableFuture<ApplyResult> applyChanges(String docId, byte[] changes, String owner,
                                                                    Reach reachIfNew, EventKind kind, String origin) {
        Entry e = docs.get(docId);
        boolean created = e == null;
        Document d = created ? new Document() : e.doc();
        List<byte[]> before = heads(d);
        try {
            d.applyEncodedChanges(changes);
        } catch (RuntimeException ex) {
            if (created) d.free();
            return CompletableFuture.failedFuture(new DocumentRejected(DocumentRejected.Reason.MALFORMED_CHANGES, ex.getMessage()));
        }
        if (created) docs.put(docId, new Entry(d, owner, reachIfNew));
        return CompletableFuture.completedFuture(publish(docId, before, d, kind, origin));
    }

    @Override
    public synchronized CompletableFuture<ApplyResult> edit(String docId, String owner, Reach reachIfNew,
                                                            Consumer<Document> edit, String origin) {
        Entry e = docs.computeIfAbsent(docId, k -> new Entry(new Document(), owner, reachIfNew));
        List<byte[]> before = heads(e.doc());
        edit.accept(e.doc());
        return CompletableFuture.completedFuture(publish(docId, before, e.doc(), EventKind.LOCAL, origin));
    }

    private ApplyResult publish(String docId, List<byte[]> before, Document d, EventKind kind, String origin) {
        List<byte[]> after = heads(d);
        long s = seq.incrementAndGet();
        DocumentChange change = new DocumentChange(docId, before, after, kind, origin, s);
        for (Consumer<DocumentChange> l : listeners) l.accept(change);
        return new ApplyResult(docId, after, s, true);
    }

    static List<byte[]> heads(Document d) {
        List<byte[]> out = new ArrayList<>();
        for (ChangeHash h : d.getHeads()) out.add(h.getBytes());
        return out;
    }

    @Override
    public synchronized <T> CompletableFuture<Optional<T>> read(String docId, Function<Document, T> fn) {
        Entry e = docs.get(docId);
        return CompletableFuture.completedFuture(e == null ? Optional.empty() : Optional.ofNullable(fn.apply(e.doc())));
    }

    @Override
    public synchronized Optional<DocumentInfo> info(String docId) {
        Entry e = docs.get(docId);
        return e == null ? Optional.empty()
                : Optional.of(new DocumentInfo(docId, e.reach(), e.owner(), 0, heads(e.doc()), 0));
    }

    @Override
    public synchronized Optional<byte[]> save(String docId) {
        Entry e = docs.get(docId);
        return e == null ? Optional.empty() : Optional.of(e.doc().save());
    }

    @Override
    public synchronized Optional<byte[]> changesSince(String docId, List<byte[]> heads) {
        Entry e = docs.get(docId);
        if (e == null) return Optional.empty();
        // Only known heads are meaningful (encodeChangesSince(unknown) returns everything anyway).
        Document probe = e.doc();
        ChangeHash[] current = probe.getHeads();
        List<ChangeHash> known = new ArrayList<>();
        for (byte[] h : heads) for (ChangeHash c : current) if (java.util.Arrays.equals(c.getBytes(), h)) known.add(c);
        return Optional.of(probe.encodeChangesSince(known.size() == heads.size() ? known.toArray(new ChangeHash[0])
                : new ChangeHash[0]));
    }

    @Override
    public List<DocumentInfo> list(String afterDocId, int limit, Optional<Reach> reach, Optional<String> owner) {
        return List.of();
    }

    @Override
    public long count() {
        return docs.size();
    }

    @Override
    public StreamPosition position() {
        return new StreamPosition(1, seq.get());
    }

    @Override
    public List<StreamEvent> eventsSince(long afterSeq, int limit) {
        return List.of();
    }

    @Override
    public AutoCloseable subscribe(Consumer<DocumentChange> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** The graph is rebuilt from the engine's changes on every call: fine for small test documents. */
    @Override
    public synchronized <T> Optional<T> withChanges(String docId, Function<org.elohim.node.docs.ChangeView, T> fn) {
        Entry e = docs.get(docId);
        if (e == null) return Optional.empty();
        org.elohim.node.changes.ChangeGraph g = new org.elohim.node.changes.ChangeGraph();
        List<byte[]> bytes = new ArrayList<>();
        for (var c : org.elohim.node.changes.ChunkCodec.decode(e.doc().encodeChangesSince(new ChangeHash[0]),
                Long.MAX_VALUE)) {
            var ch = (org.elohim.node.changes.Chunk.Change) c;
            g.add(ch.hash(), ch.deps());
            bytes.add(ch.bytes());
        }
        return Optional.ofNullable(fn.apply(new org.elohim.node.docs.ChangeView() {
            @Override
            public org.elohim.node.changes.ChangeGraph graph() {
                return g;
            }

            @Override
            public java.util.Collection<org.elohim.node.changes.Chunk.Change> outliers() {
                return List.of();
            }

            @Override
            public List<byte[]> changes(int[] indices) {
                List<byte[]> out = new ArrayList<>();
                for (int i : indices) out.add(bytes.get(i));
                return out;
            }
        }));
    }

    @Override
    public synchronized void close() {
        docs.values().forEach(e -> e.doc().free());
        docs.clear();
    }
}
