package org.elohim.node.storage;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One owner thread for a shard of documents, and the LRU cache of that shard's document states
 * (change graphs; a materialized copy only for documents the node edits). Everything of the shard
 * is touched only on this thread (DESIGN §5: an open transaction on another thread makes calls
 * fail). Evicted materialized copies are {@code free()}d, because their native memory is not
 * reclaimed by GC. Documents with writes not yet committed are pinned: evicting one would reload
 * it from the database without those writes.
 */
final class DocumentShard {
    private final ExecutorService executor;
    private final LinkedHashMap<String, DocState> cache = new LinkedHashMap<>(64, 0.75f, true);
    private final int capacity;
    private final LongAdder evictions;
    private final AtomicInteger resident;
    private volatile Thread thread;
    private volatile boolean overCapacity;
    private final Executor callbacks;

    DocumentShard(int index, int capacity, LongAdder evictions, AtomicInteger resident, Executor callbacks) {
        this.callbacks = callbacks;
        this.capacity = Math.max(1, capacity);
        this.evictions = evictions;
        this.resident = resident;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "doc-shard-" + index);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    boolean onOwnerThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs {@code task} on the owner thread; the future completes on the callback executor, never
     * on the owner thread: a caller's callback that blocks (say, on a sync session's lock whose
     * holder waits for this shard) must not stall the shard.
     */
    <T> CompletableFuture<T> submit(Callable<T> task) {
        return run(task, callbacks);
    }

    /** Like {@link #submit} but completes on the owner thread: only for callers that just wait on it. */
    <T> CompletableFuture<T> submitAndWaitOnly(Callable<T> task) {
        return run(task, null);
    }

    private <T> CompletableFuture<T> run(Callable<T> task, Executor completeOn) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                T value;
                try {
                    value = task.call();
                } catch (Throwable t) {
                    complete(completeOn, () -> f.completeExceptionally(t));
                    return;
                }
                complete(completeOn, () -> f.complete(value));
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new IllegalStateException("document store closed"));
        }
        return f;
    }

    private static void complete(Executor on, Runnable r) {
        if (on == null) {
            r.run();
            return;
        }
        try {
            on.execute(r);
        } catch (RejectedExecutionException e) {
            r.run(); // shutting down: better late on this thread than never
        }
    }

    // ---- the methods below run on the owner thread only ----

    DocState get(String docId) {
        return cache.get(docId);
    }

    /** Adds a loaded document; others may be evicted, never this one (the caller is about to use it). */
    void put(String docId, DocState loaded) {
        if (cache.put(docId, loaded) == null) resident.incrementAndGet();
        evictOverCapacity(loaded);
    }

    /**
     * Drops a document from memory (after a failed write or rejected input), freeing it. Waits for
     * its queued writes first, so that the next load sees them (the writer never waits on shards).
     */
    void discard(String docId) {
        DocState pinned = cache.get(docId);
        if (pinned != null && pinned.pendingWrites.get() > 0) {
            // Wait for the COMMIT, not for the future's completion: completions run on a thread
            // that may itself be waiting for this shard (a sync session's callback).
            try {
                if (pinned.lastWrite instanceof Database.WriteFuture<?> w) w.awaitSettled(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        DocState l = cache.remove(docId);
        if (l != null) {
            resident.decrementAndGet();
            l.freeResident();
        }
    }

    int size() {
        return cache.size();
    }

    /**
     * Evicts least recently used documents down to capacity, skipping those with writes not yet
     * committed and {@code keep}; the cache may stay above capacity while everything is pinned.
     */
    void evictOverCapacity(DocState keep) {
        Iterator<Map.Entry<String, DocState>> it = cache.entrySet().iterator();
        while (cache.size() > capacity && it.hasNext()) {
            DocState l = it.next().getValue();
            if (l == keep || l.pendingWrites.get() > 0) continue;
            it.remove();
            resident.decrementAndGet();
            evictions.increment();
            l.freeResident();
        }
        overCapacity = cache.size() > capacity;
    }

    /** Set when pinned documents kept the cache above capacity: evict again once writes land. */
    boolean overCapacity() {
        return overCapacity;
    }

    /** Called when a document's writes have all committed. */
    void writesSettled() {
        if (overCapacity) {
            submit(() -> {
                evictOverCapacity(null);
                return null;
            });
        }
    }

    /** Frees every resident document and stops the thread. */
    void close() {
        submit(() -> {
            for (DocState l : cache.values()) l.freeResident();
            resident.addAndGet(-cache.size());
            cache.clear();
            return null;
        });
        executor.shutdown();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
