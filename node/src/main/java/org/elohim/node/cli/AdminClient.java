package org.elohim.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.reach.Reach;
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

    /**
     * A consistent copy of the database, flagged as a backup, written into the data directory:
     * {@code path}, {@code bytes}, {@code nodeId}. The caller deletes the file when done.
     */
    Map<String, Object> snapshotDatabase();

    /** The running node's bound ports when this goes through a node; empty on the data directory. */
    default Optional<org.elohim.node.runtime.BoundPorts> runningPorts() {
        return Optional.empty();
    }

    /** "running node at ..." or "data directory ..." (printed to stderr so users know which). */
    String where();

    @Override
    void close();

    /** For reading: a missing data directory is an error. */
    static AdminClient open(NodeConfig config) {
        return open(config, false);
    }

    /**
     * For writing (doc put, pair): a missing data directory is initialized first, as {@code run}
     * would — on a first start the node may still be starting when the first command comes.
     */
    static AdminClient openOrCreate(NodeConfig config) {
        return open(config, true);
    }

    private static AdminClient open(NodeConfig config, boolean create) {
        NodeFiles files = new NodeFiles(config.dataDir());
        if (!create && !java.nio.file.Files.isDirectory(config.dataDir())) {
            throw new CliException(ExitCodes.CONFIG, "no data directory at " + config.dataDir().toAbsolutePath()
                    + " (start a node with `" + CommandName.get() + " run`, or give --data-dir DIR)");
        }
        RunningNode.Found found = RunningNode.find(files, true, RunningNode.PATIENCE).orElseThrow();
        if (found.lock().isPresent()) {
            if (!InitCommand.isInitialized(config.dataDir())) {
                // a fresh directory (e.g. right after `run &` on a first start): create it as the node would
                try {
                    String id = InitCommand.initializeLocked(config.dataDir(), Map.of());
                    System.err.println("initialized " + config.dataDir().toAbsolutePath() + " (node id " + id + ")");
                } catch (java.io.IOException | RuntimeException e) {
                    found.lock().get().close();
                    throw e instanceof RuntimeException r ? r
                            : new CliException(ExitCodes.CONFIG, "cannot initialize " + config.dataDir() + ": " + e.getMessage());
                }
            }
            return new LocalAdminClient(config, found.lock().get());
        }
        return RemoteAdminClient.forRunningNode(files, found.node().orElseThrow(), found.adminToken());
    }
}
