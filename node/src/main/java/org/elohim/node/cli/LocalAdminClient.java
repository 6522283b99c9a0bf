package org.elohim.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.reach.Reach;
import org.elohim.node.runtime.AdminOperations;
import org.elohim.node.runtime.DataDirLock;
import org.elohim.node.runtime.NodeStorage;

/** No node is running: open the data directory ourselves, holding its lock meanwhile. */
final class LocalAdminClient implements AdminClient {
    private final NodeConfig config;
    private final DataDirLock lock;
    private final NodeStorage storage;
    private final AdminOperations ops;

    LocalAdminClient(NodeConfig config, DataDirLock lock) {
        this.config = config;
        this.lock = lock;
        try {
            this.storage = NodeStorage.open(config, null);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        this.ops = new AdminOperations(storage);
    }

    @Override
    public Map<String, Object> pairingToken(String owner, Duration ttl) {
        return ops.pairingToken(owner, ttl);
    }

    @Override
    public Map<String, Object> putDocument(String docId, String owner, Reach reach, JsonNode content) {
        return ops.putDocument(docId, owner, reach, content);
    }

    @Override
    public Optional<Map<String, Object>> getDocument(String docId) {
        return ops.getDocument(docId);
    }

    @Override
    public Map<String, Object> listDocuments(String after, int limit, Optional<Reach> reach, Optional<String> owner) {
        return ops.listDocuments(after, limit, reach, owner);
    }

    NodeStorage storage() {
        return storage;
    }

    @Override
    public Map<String, Object> snapshotDatabase() {
        return ops.snapshotDatabase();
    }

    @Override
    public String where() {
        return "data directory " + config.dataDir().toAbsolutePath() + " (no node running)";
    }

    @Override
    public void close() {
        try {
            storage.close();
        } finally {
            lock.close();
        }
    }
}
