package org.elohim.node.storage;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import javax.management.ObjectName;
import org.automerge.Document;
import org.elohim.node.docs.ContentUnavailable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds Automerge documents from stored bytes under a byte budget, for the few places that need
 * content (JSON views, the node's own edits, compaction, validation). The budget bounds the sum of
 * the stored sizes of documents materialized at once; the engine holds ~510 MiB of native memory
 * per MB of text (DESIGN §5), so the budget is what keeps one large document from taking the
 * node down. A document larger than the whole budget is refused with {@link ContentUnavailable};
 * it still syncs, because sync never materializes. Native memory freed by {@code free()} stays in
 * RSS until trimmed, so large materializations are followed by a native heap trim.
 */
public final class Materializer {
    private static final Logger log = LoggerFactory.getLogger(Materializer.class);
    private static final long TRIM_ABOVE_BYTES = 256 * 1024;
    private static final long TRIM_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private final long budgetBytes;
    private final Semaphore permits;
    private final int unit;
    private final LongAdder materialized = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final AtomicLong lastTrim = new AtomicLong(System.nanoTime() - TRIM_INTERVAL_NANOS);
    private volatile boolean trimUnavailable;

    public Materializer(long budgetBytes) {
        this.budgetBytes = Math.max(1, budgetBytes);
        // Permits count KiB so that budgets up to terabytes fit an int.
        this.unit = 1024;
        this.permits = new Semaphore((int) Math.min(Integer.MAX_VALUE, (this.budgetBytes + unit - 1) / unit), true);
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    public long materialized() {
        return materialized.sum();
    }

    public long refused() {
        return refused.sum();
    }

    /** Throws {@link ContentUnavailable} if a document of {@code size} stored bytes can never fit. */
    public void checkFits(String docId, long size) {
        if (size > budgetBytes) {
            refused.increment();
            throw new ContentUnavailable("document " + docId + " is " + mib(size) + " MiB, larger than the materialize"
                    + " budget of " + mib(budgetBytes) + " MiB (storage.materialize_budget_mb); it syncs normally,"
                    + " but its content cannot be read or edited on this node");
        }
    }

    /**
     * Materializes {@code parts} (a snapshot and/or change chunks, applied in order), runs
     * {@code fn}, frees the document. {@code size} is the stored size charged to the budget.
     */
    public <T> T with(String docId, long size, List<byte[]> parts, Function<Document, T> fn) {
        Lease lease = acquire(docId, size);
        Document d = null;
        try {
            d = build(parts);
            return fn.apply(d);
        } finally {
            if (d != null) d.free();
            lease.close();
        }
    }

    /** Takes budget for a document kept materialized by the caller; close the lease after free(). */
    public Lease acquire(String docId, long size) {
        checkFits(docId, size);
        int n = (int) Math.max(1, (size + unit - 1) / unit);
        try {
            if (!permits.tryAcquire(n, 30, TimeUnit.SECONDS)) {
                refused.increment();
                throw new ContentUnavailable("materialize budget busy: document " + docId + " waited 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContentUnavailable("interrupted waiting for the materialize budget");
        }
        materialized.increment();
        return new Lease(n, size);
    }

    /** Budget held by one materialized document. */
    public final class Lease implements AutoCloseable {
        private final int permitCount;
        private final long size;
        private boolean closed;

        private Lease(int permitCount, long size) {
            this.permitCount = permitCount;
            this.size = size;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            permits.release(permitCount);
            if (size >= TRIM_ABOVE_BYTES) trimNativeHeap();
        }
    }

    static Document build(List<byte[]> parts) {
        Document d = null;
        try {
            for (byte[] p : parts) {
                if (p.length == 0) continue;
                if (d == null && p.length > 8 && p[8] == 0) {
                    d = Document.load(p); // a snapshot (document chunk) comes first
                } else {
                    if (d == null) d = new Document();
                    d.applyEncodedChanges(p);
                }
            }
            return d == null ? new Document() : d;
        } catch (RuntimeException e) {
            if (d != null) d.free();
            throw new StorageException("stored document does not materialize: " + e.getMessage(), e);
        }
    }

    /**
     * Returns freed native memory to the OS (glibc keeps it otherwise), at most once a second, via
     * the {@code System.trim_native_heap} diagnostic command (JDK 17.0.9+); a no-op where missing.
     */
    public void trimNativeHeap() {
        long now = System.nanoTime();
        long last = lastTrim.get();
        if (trimUnavailable || now - last < TRIM_INTERVAL_NANOS || !lastTrim.compareAndSet(last, now)) return;
        try {
            ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "systemTrimNativeHeap", new Object[] {null}, new String[] {String[].class.getName()});
        } catch (Exception | LinkageError e) {
            trimUnavailable = true;
            log.debug("native heap trim unavailable: {}", e.toString());
        }
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
}
