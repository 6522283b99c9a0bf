package org.elohim.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.automerge.AmValue;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.node.device.DeviceAuthenticator;
import org.elohim.node.device.DeviceRegistry;
import org.elohim.node.device.PairingTokens;
import org.elohim.node.grpc.DeviceAuthInterceptor;
import org.elohim.node.grpc.ElohimNodeService;
import org.elohim.node.grpc.GrpcServer;
import org.elohim.node.grpc.NodeIdentity;
import org.elohim.node.grpc.NodeSyncStreams;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.storage.SqliteDocumentService;

/** A real node for SDK tests: SQLite data dir, device API on 127.0.0.1 with an ephemeral port. */
final class TestNode implements AutoCloseable {
    static final String NODE_ID = "test-node";
    final SqliteDocumentService docs;
    final DeviceRegistry registry;
    final PairingTokens tokens;
    private final NodeSyncStreams sync;
    private final GrpcServer server;

    TestNode(Path dataDir) {
        docs = SqliteDocumentService.open(dataDir);
        registry = new DeviceRegistry(docs.database());
        tokens = new PairingTokens(registry);
        ReachEnforcer reach = new ReachEnforcer(registry);
        sync = new NodeSyncStreams(docs, docs.peerPositions(), reach, NODE_ID, 16 * 1024 * 1024);
        server = GrpcServer.start(GrpcServer.Config.defaults("127.0.0.1", 0),
                new ElohimNodeService(docs, reach, tokens, sync, new NodeIdentity(NODE_ID, "test")),
                new DeviceAuthInterceptor(new DeviceAuthenticator(registry)));
    }

    int port() {
        return server.port();
    }

    String token(String owner) {
        return tokens.createToken(owner, Duration.ofMinutes(5));
    }

    /** An edit made on the node itself (as the CLI or another sync peer would). */
    void put(String docId, String owner, Reach reach, String key, String value) {
        putAsync(docId, owner, reach, key, value).join();
    }

    java.util.concurrent.CompletableFuture<?> putAsync(String docId, String owner, Reach reach, String key, String value) {
        return docs.edit(docId, owner, reach, d -> {
            try (Transaction tx = d.startTransaction()) {
                tx.set(ObjectId.ROOT, key, value);
                tx.commit();
            }
        }, "test");
    }

    Optional<String> value(String docId, String key) {
        return docs.read(docId, d -> d.get(ObjectId.ROOT, key).map(v -> ((AmValue.Str) v).getValue()).orElse(null))
                .join();
    }

    @Override
    public void close() {
        server.close();
        sync.close();
        docs.close();
    }

}
