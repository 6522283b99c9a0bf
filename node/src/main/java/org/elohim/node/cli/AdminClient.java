package org.elohim.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.reach.Reach;
import org.elohim.node.runtime.DataDirLock;
import org.elohim.node.runtime.NodeFiles;

/**
 * The operator's operations, wherever the data is: through the running node's local admin API
 * when a node holds the data directory, else directly on its files.
 */
interface AdminClient extends AutoCloseable {
    Map<String, Object> pairingToken(String owner, Duration ttl);

    Map<String, Object> putDocument(String docId, String owner, Reach reach, JsonNode content);

    Optional<Map<String, Object>> getDocument(String docId);

    Map<String, Object> listDocuments(String after, int limit, Optional<Reach> reach, Optional<String> owner);

    /** "running node at ..." or "data directory ..." (printed to stderr so users know which). */
    String where();

    @Override
    void close();

    static AdminClient open(NodeConfig config) {
        NodeFiles files = new NodeFiles(config.dataDir());
        if (!java.nio.file.Files.isDirectory(config.dataDir())) {
            throw new CliException(ExitCodes.CONFIG, "no data directory at " + config.dataDir().toAbsolutePath()
                    + " (run `elohim-node init` first)");
        }
        Optional<DataDirLock> lock;
        try {
            lock = DataDirLock.tryAcquire(files);
        } catch (java.io.IOException e) {
            throw new CliException(ExitCodes.CONFIG, "cannot use " + config.dataDir() + ": " + e.getMessage());
        }
        if (lock.isPresent()) return new LocalAdminClient(config, lock.get());
        return RemoteAdminClient.forRunningNode(files);
    }
}
