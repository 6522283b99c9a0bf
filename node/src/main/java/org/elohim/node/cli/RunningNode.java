package org.elohim.node.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.elohim.node.runtime.AdminToken;
import org.elohim.node.runtime.DataDirLock;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.PortsFile;

/**
 * Who has a data directory, as a CLI command needs to know: nobody (the command may take it), or a
 * node — then the command talks to it, waiting while it starts (a node that has the lock but has
 * not written ports.json yet), and waiting for another command that holds the directory briefly.
 */
final class RunningNode {
    /** A node takes a few seconds to start (more on a Raspberry Pi); a command holds the lock for about one. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    /** Either the lock (nobody else has the directory) or the running node's ports and admin token. */
    record Found(Optional<DataDirLock> lock, Optional<PortsFile.Contents> node, Optional<String> adminToken) {
    }

    private RunningNode() {
    }

    /**
     * With {@code takeIfFree}, returns the lock when no node holds the directory; without, returns
     * empty then (status only looks). Waits for a starting node or a busy command up to {@code patience}.
     */
    static Optional<Found> find(NodeFiles files, boolean takeIfFree, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        String announced = null;
        while (true) {
            if (takeIfFree) {
                Optional<DataDirLock> lock;
                try {
                    lock = DataDirLock.tryAcquire(files, DataDirLock.Role.CLI);
                } catch (IOException e) {
                    throw new CliException(ExitCodes.CONFIG, "cannot use " + files.dataDir().toAbsolutePath() + ": " + e.getMessage());
                }
                if (lock.isPresent()) return Optional.of(new Found(lock, Optional.empty(), Optional.empty()));
            } else if (!DataDirLock.isHeld(files)) {
                return Optional.empty();
            }
            DataDirLock.Holder holder = DataDirLock.holder(files);
            if (holder.isNode()) {
                Optional<PortsFile.Contents> ports = PortsFile.read(files.ports());
                if (ports.isPresent() && ports.get().pid() == holder.pid()) {
                    return Optional.of(new Found(Optional.empty(), ports, AdminToken.read(files.adminToken())));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new CliException(ExitCodes.NOT_RUNNING, holder.isNode()
                        ? "the node (pid " + holder.pid() + ") on " + files.dataDir().toAbsolutePath() + " has not finished starting after "
                        + patience.toSeconds() + " s; see its output"
                        : files.dataDir().toAbsolutePath() + " is held by " + holder + "; try again when it has finished");
            }
            String now = holder.isNode() ? "waiting for the node (pid " + holder.pid() + ") to finish starting..."
                    : "waiting for " + holder + " to release " + files.dataDir() + "...";
            if (!now.equals(announced)) {
                System.err.println(now);
                announced = now;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.FAILURE, "interrupted");
            }
        }
    }
}
