package org.elohim.node.sync;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.SqliteDocumentService;
import org.elohim.sync.SerialExecutor;
import org.elohim.sync.SyncSession;
import org.elohim.sync.SyncTransport;

/** Engine sessions over a real SQLite store, as the node wires them, for tests. */
public final class NodeSessions {
    static final ExecutorService POOL = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "test-sync-session");
        t.setDaemon(true);
        return t;
    });
    static final ExecutorService READS = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "test-sync-store");
        t.setDaemon(true);
        return t;
    });

    private NodeSessions() {
    }

    public static NodeSyncStore store(SqliteDocumentService docs) {
        return new NodeSyncStore(docs, docs.peerPositions(), reason -> epoch(docs, reason), READS,
                "sync:" + UUID.randomUUID());
    }

    static CompletableFuture<org.elohim.node.docs.StreamPosition> epoch(SqliteDocumentService docs, String reason) {
        return docs.startNewEpoch(reason);
    }

    public static SyncSession session(SqliteDocumentService docs, Requester peerAs, ReachEnforcer reach,
                               SyncSession.Config config, LongSupplier clock, SyncTransport transport) {
        return new SyncSession(store(docs), new ReachSyncPolicy(peerAs, reach), config, clock, transport,
                new SerialExecutor(POOL), null);
    }
}
