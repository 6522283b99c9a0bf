package org.elohim.node.automergerepo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.awaitility.Awaitility;
import org.elohim.node.storage.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSyncStateStoreTest {
    @TempDir
    Path dir;

    @Test
    void statesSurviveReopeningTheDatabase() {
        try (Database db = Database.open(dir)) {
            SqliteSyncStateStore store = new SqliteSyncStateStore(db);
            store.saveAll("storage-1", Map.of("doc-a", new byte[]{1, 2}, "doc-b", new byte[]{3}));
            Awaitility.await().until(() -> store.load("storage-1", "doc-b").isPresent());
            store.saveAll("storage-1", Map.of("doc-a", new byte[]{9}));
            Awaitility.await().until(() -> store.load("storage-1", "doc-a").map(b -> b[0] == 9).orElse(false));
        }
        try (Database db = Database.open(dir)) {
            SqliteSyncStateStore store = new SqliteSyncStateStore(db);
            assertThat(store.load("storage-1", "doc-a")).hasValue(new byte[]{9});
            assertThat(store.load("storage-1", "doc-b")).hasValue(new byte[]{3});
            assertThat(store.load("storage-2", "doc-a")).isEmpty();
            assertThat(store.load("x".repeat(500), "doc-a")).isEmpty();
        }
    }
}
