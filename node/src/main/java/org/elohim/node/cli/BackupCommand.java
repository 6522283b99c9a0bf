package org.elohim.node.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.elohim.node.backup.BackupManifest;
import org.elohim.node.backup.BackupWriter;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.NodeVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Writes a backup archive. With a node running, the database snapshot is taken by the node itself
 * (its local admin API) while it keeps serving; otherwise directly on the data directory.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Write a backup archive (zip) of the node: a consistent snapshot of the database, the identity"
                + " (node.key), config.toml and the blobs. Works while the node runs.",
                "Keep it somewhere safe: it holds the node's private key and every document."})
final class BackupCommand implements Callable<Integer> {
    @Mixin
    DataDirOptions options;

    @Parameters(index = "0", paramLabel = "FILE", description = "The archive to write (e.g. elohim-backup.zip); replaced if it exists.")
    Path file;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        NodeConfig config = options.load(Map.of());
        PrintWriter err = spec.commandLine().getErr();
        long started = System.nanoTime();
        try (AdminClient admin = AdminClient.open(config)) {
            err.println("backup: taking a snapshot of the database (" + admin.where() + ")...");
            err.flush();
            Map<String, Object> snap = admin.snapshotDatabase();
            Path snapshot = Path.of(String.valueOf(snap.get("path")));
            try {
                ProgressLine progress = new ProgressLine(err, "backup");
                BackupManifest m = BackupWriter.write(file, snapshot, config.dataDir(), String.valueOf(snap.get("nodeId")),
                        NodeVersion.get(), progress);
                progress.done();
                spec.commandLine().getOut().printf("wrote %s: node %s, %d files, %s (archive %s) in %.1f s%n", file,
                        m.nodeId(), m.items().size(), ProgressLine.size(m.totalBytes()), ProgressLine.size(Files.size(file)),
                        (System.nanoTime() - started) / 1e9);
                spec.commandLine().getOut().printf("restore it with `%s restore %s` (on a stopped node)%n", CommandName.get(), file);
            } finally {
                Files.deleteIfExists(snapshot);
            }
        }
        return ExitCodes.OK;
    }
}
