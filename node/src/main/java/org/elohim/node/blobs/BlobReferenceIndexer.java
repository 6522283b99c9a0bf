package org.elohim.node.blobs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.docs.StreamEvent;
import org.elohim.node.docs.StreamPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code blob_refs} in step with the documents: follows the node's durable stream from a
 * cursor stored beside the references (same transaction), so a crash never loses an update and a
 * new epoch re-reads every document. Reading a document's content needs it materialized (the one
 * place blobs do so), one document at a time, on this indexer's own thread.
 */
public final class BlobReferenceIndexer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlobReferenceIndexer.class);
    private static final int PAGE = 200;
    /** Larger documents are not scanned for references. */
    public static final long MAX_DOCUMENT_BYTES = 1L << 20;

    private final BlobStore store;
    private final DocumentService docs;
    private final Function<String, Optional<Map<String, Object>>> contentOf;
    private final Thread thread;
    private final Object signal = new Object();
    private final AutoCloseable subscription;
    private volatile boolean closed;
    private volatile boolean dirty = true;
    private volatile long lastChangeNanos = System.nanoTime();
    /** Indexing waits for this much quiet (reading a document competes with sync for its owner thread and cache)... */
    static final long QUIET_NANOS = 300_000_000L;
    /** ...but never longer than this behind. */
    static final long MAX_DEFER_NANOS = 60_000_000_000L;

    /** {@code contentOf}: a document's JSON view (empty if absent). */
    public BlobReferenceIndexer(BlobStore store, DocumentService docs,
                                Function<String, Optional<Map<String, Object>>> contentOf) {
        this.store = store;
        this.docs = docs;
        this.contentOf = contentOf;
        this.subscription = docs.subscribe(change -> wake());
        this.thread = new Thread(this::loop, "blob-references");
        thread.setDaemon(true);
        // Indexing may lag a little; it must not compete with sync for the CPU.
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    private void wake() {
        lastChangeNanos = System.nanoTime();
        synchronized (signal) {
            dirty = true;
            signal.notifyAll();
        }
    }

    private void loop() {
        while (!closed) {
            try {
                synchronized (signal) {
                    while (!dirty && !closed) signal.wait(5_000);
                    dirty = false;
                }
                awaitQuiet();
                while (!closed && catchUp()) {
                    awaitQuiet();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) return;
                log.warn("blob reference indexing failed; retrying", e);
                sleepQuietly();
                dirty = true;
            }
        }
    }

    private void awaitQuiet() throws InterruptedException {
        long start = System.nanoTime();
        while (!closed && System.nanoTime() - lastChangeNanos < QUIET_NANOS && System.nanoTime() - start < MAX_DEFER_NANOS) {
            Thread.sleep(50);
        }
    }

    /** Indexes one page of documents changed since the cursor; true if there may be more. */
    boolean catchUp() {
        StreamPosition now = docs.position();
        long[] cursor = store.referenceCursor();
        long after = cursor[0] == now.epoch() ? cursor[1] : 0; // a new epoch: read everything again
        List<StreamEvent> events = docs.eventsSince(after, PAGE);
        if (events.isEmpty()) {
            if (cursor[0] != now.epoch()) store.indexReferences(Map.of(), now.epoch(), 0);
            return false;
        }
        Map<String, Map<BlobId, String>> byDoc = new LinkedHashMap<>();
        long max = after;
        for (StreamEvent e : events) {
            max = Math.max(max, e.seq());
            byDoc.put(e.docId(), referencesOf(e.docId()));
        }
        store.indexReferences(byDoc, now.epoch(), max);
        return events.size() == PAGE;
    }

    /**
     * References of one document. Documents over {@link #MAX_DOCUMENT_BYTES} are not read (they
     * would have to be materialized whole; references live in small metadata documents), nor is one
     * whose content the store refuses to build: both count as referencing nothing.
     */
    private Map<BlobId, String> referencesOf(String docId) {
        Optional<org.elohim.node.docs.DocumentInfo> info = docs.info(docId);
        if (info.isEmpty() || info.get().sizeBytes() > MAX_DOCUMENT_BYTES) return Map.of();
        try {
            return contentOf.apply(docId).map(BlobReferences::find).orElse(Map.of());
        } catch (RuntimeException e) {
            log.debug("blob references of {} not read: {}", docId, e.toString());
            return Map.of();
        }
    }

    /** Blocks until every committed document change so far is indexed (tests, CLI). */
    public void awaitIndexed(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            StreamPosition now = docs.position();
            long[] cursor = store.referenceCursor();
            if (cursor[0] == now.epoch() && cursor[1] >= now.seq()) return;
            synchronized (signal) {
                dirty = true;
                signal.notifyAll();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("blob references not indexed within " + timeoutMillis + " ms");
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            subscription.close();
        } catch (Exception ignored) {
            // closing
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
