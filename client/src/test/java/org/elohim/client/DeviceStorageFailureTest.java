package org.elohim.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.elohim.node.docs.StreamPosition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage failure on the device (its real SQLite file refuses a write mid-batch, as a full disk
 * would) is not bad input: the sync ends, nothing past the failure is acknowledged to the node,
 * and the next sync after the fault clears converges.
 */
class DeviceStorageFailureTest {
    @TempDir
    Path dir;
    private TestNode node;

    @BeforeEach
    void startNode() {
        node = new TestNode(dir.resolve("node"));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private void onDeviceDb(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("phone").resolve(ClientStore.FILE_NAME));
             Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout=10000");
            s.execute(sql);
        }
    }

    @Test
    void aFailedWriteEndsTheSyncUnacknowledgedAndTheNextSyncConverges() throws Exception {
        for (int i = 0; i < 12; i++) node.put("n" + i, "alice", org.elohim.node.reach.Reach.PRIVATE, "k", "v" + i);
        long failingSeq = node.docs.rawEventsSince(0, 100).stream().filter(e -> e.docId().equals("n6"))
                .findFirst().orElseThrow().seq();
        try (ElohimClient phone = ElohimClient.open(dir.resolve("phone"))) {
            phone.connect("127.0.0.1", node.port()).pair(node.token("alice"), "phone");
            onDeviceDb("CREATE TRIGGER injected_failure BEFORE INSERT ON events WHEN NEW.doc_id = 'n6'"
                    + " BEGIN SELECT RAISE(ABORT, 'database or disk is full (injected)'); END");
            assertThatThrownBy(() -> phone.sync(Duration.ofSeconds(20))).isInstanceOf(ClientException.class)
                    .hasMessageContaining("storage failure");
            // Neither stored as read on the device nor acknowledged to the node past the failure.
            assertThat(phone.nodePositions().read().seq()).isLessThan(failingSeq);
            String deviceId = phone.deviceId().orElseThrow();
            assertThat(node.docs.peerPositions().get(deviceId).acked().seq()).isLessThan(failingSeq);
            assertThat(phone.get("n6")).isEmpty();

            onDeviceDb("DROP TRIGGER injected_failure");
            phone.sync(Duration.ofSeconds(20));
            for (int i = 0; i < 12; i++) assertThat(phone.get("n" + i)).as("n%d", i).isPresent();
            StreamPosition end = node.docs.position();
            assertThat(phone.nodePositions().read()).isEqualTo(new ClientStore.Position(end.epoch(), end.seq()));
        }
    }
}
