package org.elohim.node.runtime;

import java.nio.file.Path;

/** The layout of a data directory (DESIGN §7). */
public record NodeFiles(Path dataDir) {
    public Path config() {
        return dataDir.resolve("config.toml");
    }

    public Path database() {
        return dataDir.resolve("node.db");
    }

    public Path identityKey() {
        return dataDir.resolve("node.key");
    }

    public Path blobs() {
        return dataDir.resolve("blobs");
    }

    /** Held (OS file lock) by the running node: a second node on the same directory refuses to start. */
    public Path lock() {
        return dataDir.resolve("node.lock");
    }

    /** Written by a running node: its pid and bound ports (JSON). Removed on clean shutdown. */
    public Path ports() {
        return dataDir.resolve("ports.json");
    }

    /** Secret of the local admin API of the running node (owner-only file permissions). */
    public Path adminToken() {
        return dataDir.resolve("admin.token");
    }
}
