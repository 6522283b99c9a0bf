package org.elohim.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.elohim.node.cli.Main;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code elohim backup} of a running node, then {@code elohim restore}: the restored node starts a
 * new epoch and a phone (the Java SDK) gives back everything it wrote after the backup.
 */
class BackupRestoreTest {
    @TempDir
    Path dir;
    private ElohimNodeRuntime node;
    private ElohimClient phone;

    @AfterEach
    void stop() {
        if (phone != null) phone.close();
        if (node != null) node.close();
    }

    record Result(int code, String out, String err) {
    }

    private static Result cli(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Result(cl.execute(args), out.toString(), err.toString());
    }

    private Optional<String> value(String docId, String key) {
        return node.storage().documents().read(docId, d -> d.get(org.automerge.ObjectId.ROOT, key)
                .map(v -> ((org.automerge.AmValue.Str) v).getValue()).orElse(null)).join();
    }

    @Test
    void writesMadeAfterTheBackupSurviveTheRestore() throws Exception {
        Path data = dir.resolve("node");
        node = ElohimNodeRuntime.start(NodeConfig.ephemeral(data));
        String nodeId = node.nodeId();
        phone = ElohimClient.open(dir.resolve("phone")).connect("127.0.0.1", node.ports().grpc());
        phone.pair(node.storage().pairing().createToken("alice", Duration.ofMinutes(5)), "phone");
        phone.edit("before-backup", Docs.set("k", "a"));
        phone.sync(Duration.ofSeconds(20));
        assertThat(value("before-backup", "k")).contains("a");

        // backup while the node runs: the snapshot goes through its admin API
        Path archive = dir.resolve("backups/elohim.zip");
        Result backup = cli("backup", archive.toString(), "-d", data.toString());
        assertThat(backup.code()).as(backup.err()).isZero();
        assertThat(backup.err()).contains("backup: 100%").contains("running node at");
        assertThat(archive).exists();
        try (var files = Files.list(data)) { // the snapshot was cleaned up
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("backup-snapshot-"));
        }

        // after the backup: the phone writes a new document and edits the old one; the node has both
        phone.edit("after-backup", Docs.set("k", "b"));
        phone.edit("before-backup", Docs.set("k2", "c"));
        phone.sync(Duration.ofSeconds(20));
        assertThat(value("after-backup", "k")).contains("b");
        long epochBefore = node.storage().documents().epoch();

        // restore is refused while the node runs, and over a node without --force
        Result refused = cli("restore", archive.toString(), "-d", data.toString());
        assertThat(refused.code()).isNotZero();
        assertThat(refused.err()).contains("stop it first");
        node.close();
        node = null;
        Result noForce = cli("restore", archive.toString(), "-d", data.toString());
        assertThat(noForce.code()).isEqualTo(2);
        assertThat(noForce.err()).contains("--force");
        Result restore = cli("restore", archive.toString(), "-d", data.toString(), "--force");
        assertThat(restore.code()).as(restore.err()).isZero();
        assertThat(restore.out()).contains("restored node " + nodeId).contains("new sync epoch");

        node = ElohimNodeRuntime.start(NodeConfig.ephemeral(data));
        assertThat(node.nodeId()).isEqualTo(nodeId); // same identity: the phone's pairing still holds
        assertThat(node.storage().documents().epoch()).isNotEqualTo(epochBefore);
        assertThat(node.storage().documents().info("after-backup")).isEmpty(); // the backup did not have it...
        assertThat(value("before-backup", "k2")).isEmpty();

        phone.connect("127.0.0.1", node.ports().grpc());
        phone.sync(Duration.ofSeconds(20));
        assertThat(value("after-backup", "k")).contains("b"); // ...the phone gave it back
        assertThat(value("before-backup", "k")).contains("a");
        assertThat(value("before-backup", "k2")).contains("c");
        for (LocalDocument d : phone.list()) {
            assertThat(Docs.headsKey(d.heads())).isEqualTo(Docs.headsKey(node.storage().documents().info(d.docId()).orElseThrow().heads()));
        }
    }
}
