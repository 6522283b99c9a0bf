package org.elohim.p2p.cli;

import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.HostConfig;
import org.elohim.p2p.peer.IdentityKey;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Options shared by the p2p subcommands: which identity to use and how long to wait. */
final class HostOptions {

    // An embedding program (the node's CLI) points the default at its own identity via this property.
    @Option(names = "--key", paramLabel = "FILE", defaultValue = "${sys:elohim.p2p.key}",
            description = "Ed25519 identity key file (libp2p protobuf); created if missing. "
                    + "Default: the embedding node's key if any, else a fresh ephemeral key.")
    Path keyFile;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    IdentityKey identity() throws IOException {
        return keyFile == null ? IdentityKey.generate() : IdentityKey.loadOrCreate(keyFile);
    }

    Host newHost() throws IOException {
        HostConfig cfg = HostConfig.defaults(identity());
        return Host.create(new HostConfig(cfg.identity(), cfg.agentVersion(), cfg.yamux(), cfg.inlineMuxer(),
                cfg.maxConnections(), Duration.ZERO, Duration.ofSeconds(Math.max(1, timeoutSeconds))));
    }
}
