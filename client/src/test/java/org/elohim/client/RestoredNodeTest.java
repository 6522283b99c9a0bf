package org.elohim.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.elohim.node.reach.Reach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's database is restored from a backup (new epoch): the device's stream gives back
 * everything written after the backup, and the device rescans the node by heads.
 */
class RestoredNodeTest {
    @TempDir
    Path dir;
    private TestNode node;
    private ElohimClient phone;

    @AfterEach
    void stop() {
        if (phone != null) phone.close();
        if (node != null) node.close();
    }

    @Test
    void nothingWrittenAfterTheBackupIsLost() throws Exception {
        Path data = dir.resolve("node");
        node = new TestNode(data);
        phone = ElohimClient.open(dir.resolve("phone")).connect("127.0.0.1", node.port());
        phone.pair(node.token("alice"), "phone");
        phone.edit("before-backup", Docs.set("k", "a"));
        phone.sync(Duration.ofSeconds(20));

        node.close();
        Path backup = dir.resolve("node.db.backup");
        Files.copy(data.resolve("node.db"), backup); // a backup copies node.db only, never the marker
        node = new TestNode(data);
        phone.connect("127.0.0.1", node.port());
        phone.edit("from-device-after-backup", Docs.set("k", "b"));
        node.put("from-node-after-backup", "alice", Reach.PRIVATE, "k", "c");
        phone.sync(Duration.ofSeconds(20));
        assertThat(phone.get("from-node-after-backup")).isPresent();

        node.close();
        Files.copy(backup, data.resolve("node.db"), StandardCopyOption.REPLACE_EXISTING);
        // Restored as onto a fresh machine: no WAL, no instance marker, so the node draws a new epoch.
        for (String leftover : new String[] {"node.db-wal", "node.db-shm", "node.db.instance"}) {
            Files.deleteIfExists(data.resolve(leftover));
        }
        long epochBefore = node.docs.epoch();
        node = new TestNode(data);
        assertThat(node.docs.epoch()).isNotEqualTo(epochBefore);
        assertThat(node.docs.info("from-device-after-backup")).isEmpty();
        assertThat(node.docs.info("from-node-after-backup")).isEmpty();

        phone.connect("127.0.0.1", node.port());
        phone.sync(Duration.ofSeconds(20));
        assertThat(node.value("before-backup", "k")).contains("a");
        assertThat(node.value("from-device-after-backup", "k")).contains("b");
        assertThat(node.value("from-node-after-backup", "k")).contains("c");
        for (LocalDocument d : phone.list()) {
            assertThat(Docs.headsKey(d.heads())).isEqualTo(Docs.headsKey(node.docs.info(d.docId()).orElseThrow().heads()));
        }
    }
}
