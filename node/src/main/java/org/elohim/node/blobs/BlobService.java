package org.elohim.node.blobs;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.reach.ReachEnforcer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blob parts a running node adds to its store: reach ({@link BlobAccess}), the reference
 * indexer, and the periodic collector of unreferenced blobs.
 */
public final class BlobService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlobService.class);

    private final BlobStore store;
    private final BlobAccess access;
    private final BlobReferenceIndexer indexer;
    private final ScheduledExecutorService collector;

    private BlobService(BlobStore store, BlobAccess access, BlobReferenceIndexer indexer,
                        ScheduledExecutorService collector) {
        this.store = store;
        this.access = access;
        this.indexer = indexer;
        this.collector = collector;
    }

    /** {@code contentOf}: a document's JSON view, for the reference indexer. */
    public static BlobService start(BlobStore store, DocumentService docs, ReachEnforcer reach,
                                    Function<String, Optional<Map<String, Object>>> contentOf, Duration collectEvery) {
        BlobReferenceIndexer indexer = new BlobReferenceIndexer(store, docs, contentOf);
        ScheduledExecutorService collector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "blob-collector");
            t.setDaemon(true);
            return t;
        });
        collector.scheduleWithFixedDelay(() -> {
            try {
                BlobStore.Collected c = store.collect();
                if (c.blobs() + c.chunks() + c.uploads() + c.manifests() > 0) log.info("blob collection: {}", c);
            } catch (RuntimeException e) {
                log.warn("blob collection failed", e);
            }
        }, collectEvery.toMillis(), collectEvery.toMillis(), TimeUnit.MILLISECONDS);
        return new BlobService(store, new BlobAccess(store, docs, reach), indexer, collector);
    }

    public BlobStore store() {
        return store;
    }

    public BlobAccess access() {
        return access;
    }

    public BlobReferenceIndexer indexer() {
        return indexer;
    }

    @Override
    public void close() {
        collector.shutdownNow();
        try {
            collector.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        indexer.close();
    }
}
