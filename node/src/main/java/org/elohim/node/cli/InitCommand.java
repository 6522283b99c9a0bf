package org.elohim.node.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.elohim.node.config.ConfigLoader;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.DataDirLock;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.NodeStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** Creates a data directory: commented config.toml, node.key (identity), node.db (schema). Idempotent. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create the data directory: config.toml (commented defaults), node.key, node.db. Keeps what exists.")
final class InitCommand implements Callable<Integer> {
    @Mixin
    DataDirOptions options;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path dir = options.dataDir();
        NodeFiles files = new NodeFiles(dir);
        String nodeId = initialize(dir, options.settings);
        spec.commandLine().getOut().printf("initialized %s%n  config   %s%n  identity %s (node id %s)%n  database %s%n",
                dir.toAbsolutePath(), files.config(), files.identityKey(), nodeId, files.database());
        return ExitCodes.OK;
    }

    /** Writes what is missing; returns the node id. Refuses while a node runs on the directory. */
    static String initialize(Path dir, Map<String, String> settings) throws IOException {
        NodeFiles files = new NodeFiles(dir);
        DataDirLock lock = DataDirLock.tryAcquire(files).orElseThrow(() -> new CliException(ExitCodes.START_FAILED,
                "a node is running on " + dir.toAbsolutePath() + "; it is already initialized"));
        try (lock) {
            return initializeLocked(dir, settings);
        }
    }

    static boolean isInitialized(Path dir) {
        NodeFiles files = new NodeFiles(dir);
        return Files.exists(files.config()) && Files.exists(files.identityKey()) && Files.exists(files.database());
    }

    /** {@link #initialize} for a caller that holds the directory's lock. */
    static String initializeLocked(Path dir, Map<String, String> settings) throws IOException {
        NodeFiles files = new NodeFiles(dir);
        Files.createDirectories(dir);
        if (!Files.exists(files.config())) {
            Files.writeString(files.config(), ConfigLoader.defaultFile(), StandardCharsets.UTF_8);
        }
        NodeConfig config = ConfigLoader.load(dir, System.getenv(), settings); // validates the file
        Files.createDirectories(files.blobs());
        try (NodeStorage storage = NodeStorage.open(config, null)) {
            return storage.nodeId();
        }
    }
}
