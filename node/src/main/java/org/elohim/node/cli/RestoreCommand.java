package org.elohim.node.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.elohim.node.backup.BackupRestorer;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.DataDirLock;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.NodeStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Restores a backup archive into a data directory no node is running on. The restored stream
 * starts a new epoch, so devices and sibling nodes re-sync by heads and give back what was
 * written after the backup.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a backup archive written by `backup` into the data directory (stop the node first).",
                "The node keeps its identity and starts a new sync epoch: devices and peers re-sync by heads, so their"
                        + " writes made after the backup come back."})
final class RestoreCommand implements Callable<Integer> {
    @Mixin
    DataDirOptions options;

    @Parameters(index = "0", paramLabel = "FILE", description = "The archive written by `backup`.")
    Path file;

    @Option(names = "--force", description = "Replace the node already in the data directory (its files are kept in before-restore-<time>/).")
    boolean force;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path dir = options.dataDir();
        NodeFiles files = new NodeFiles(dir);
        RunningNode.Found found = RunningNode.find(files, true, RunningNode.PATIENCE).orElseThrow();
        if (found.lock().isEmpty()) {
            throw new CliException(ExitCodes.FAILURE, "a node is running on " + dir.toAbsolutePath() + " (pid "
                    + found.node().orElseThrow().pid() + "); stop it first (Ctrl-C, or `systemctl stop elohim`), then restore");
        }
        PrintWriter err = spec.commandLine().getErr();
        try (DataDirLock lock = found.lock().get()) {
            if (BackupRestorer.hasNode(dir) && !force) {
                throw new CliException(ExitCodes.USAGE, dir.toAbsolutePath() + " already holds a node (node.db / node.key)."
                        + " Restoring replaces it; its files are kept in before-restore-<time>/. Add --force to go ahead.");
            }
            ProgressLine progress = new ProgressLine(err, "restore");
            BackupRestorer.Result r = BackupRestorer.restore(file, dir, progress);
            progress.done();
            NodeConfig config = options.load(Map.of());
            String nodeId;
            long epoch;
            try (NodeStorage storage = NodeStorage.open(config, null)) { // opening draws the new epoch now
                nodeId = storage.nodeId();
                epoch = storage.documents().epoch();
            }
            PrintWriter out = spec.commandLine().getOut();
            out.printf("restored node %s from %s (backup of %s): %d files, %s%n", nodeId, file, r.manifest().createdAt(),
                    r.manifest().items().size(), ProgressLine.size(r.manifest().totalBytes()));
            out.printf("new sync epoch %016x: devices and peers re-sync by heads when they reconnect, so what they wrote"
                    + " after the backup comes back.%n", epoch);
            r.setAside().ifPresent(p -> out.printf("the replaced files are in %s%n", p));
            boolean backupHadConfig = r.manifest().items().stream().anyMatch(i -> i.name().equals("config.toml"));
            if (backupHadConfig && !r.configRestored()) out.printf("config.toml of this machine kept (the backup's is config.toml.from-backup)%n");
            out.printf("start the node with `%s run`%n", CommandName.get());
        }
        return ExitCodes.OK;
    }
}
