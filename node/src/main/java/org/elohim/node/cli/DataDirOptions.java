package org.elohim.node.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.elohim.node.config.ConfigLoader;
import org.elohim.node.config.NodeConfig;
import picocli.CommandLine.Option;

/** Options every command shares: where the data directory is, and setting overrides. */
final class DataDirOptions {
    @Option(names = {"-d", "--data-dir"}, paramLabel = "DIR",
            description = "Data directory (default: $ELOHIM_DATA_DIR, else ./data).")
    Path dataDir;

    @Option(names = "--setting", paramLabel = "KEY=VALUE",
            description = "Override a config.toml setting, e.g. --setting http.port=8081 (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    Path dataDir() {
        return ConfigLoader.dataDir(dataDir, System.getenv());
    }

    NodeConfig load(Map<String, String> extra) {
        Map<String, String> all = new LinkedHashMap<>(settings);
        all.putAll(extra);
        return ConfigLoader.load(dataDir(), System.getenv(), all);
    }
}
