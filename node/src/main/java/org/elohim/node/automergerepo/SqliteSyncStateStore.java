package org.elohim.node.automergerepo;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.elohim.node.storage.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link SyncStateStore} in the node's SQLite file, table {@code automerge_repo_sync_states}. */
public final class SqliteSyncStateStore implements SyncStateStore {
    static final String COMPONENT = "automerge-repo";
    static final List<String> MIGRATIONS = List.of(
            "CREATE TABLE automerge_repo_sync_states(storage_id TEXT NOT NULL, document_id TEXT NOT NULL,"
                    + " state BLOB NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(storage_id, document_id))"
                    + " WITHOUT ROWID");
    /** storageIds are UUID strings; anything longer is not worth storing. */
    private static final int MAX_ID_CHARS = 128;
    private static final Logger log = LoggerFactory.getLogger(SqliteSyncStateStore.class);

    private final Database database;

    public SqliteSyncStateStore(Database database) {
        this.database = database;
        database.migrate(COMPONENT, MIGRATIONS);
    }

    @Override
    public Optional<byte[]> load(String storageId, String documentId) {
        if (storageId.length() > MAX_ID_CHARS) return Optional.empty();
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT state FROM automerge_repo_sync_states WHERE storage_id=? AND document_id=?")) {
                ps.setString(1, storageId);
                ps.setString(2, documentId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.<byte[]>empty();
                }
            }
        });
    }

    @Override
    public void saveAll(String storageId, Map<String, byte[]> states) {
        if (states.isEmpty() || storageId.length() > MAX_ID_CHARS) return;
        Map<String, byte[]> copy = Map.copyOf(states);
        long now = System.currentTimeMillis();
        database.write(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO automerge_repo_sync_states(storage_id, document_id, state, updated_at) VALUES(?,?,?,?)"
                            + " ON CONFLICT(storage_id, document_id) DO UPDATE SET state=excluded.state,"
                            + " updated_at=excluded.updated_at")) {
                for (Map.Entry<String, byte[]> e : copy.entrySet()) {
                    ps.setString(1, storageId);
                    ps.setString(2, e.getKey());
                    ps.setBytes(3, e.getValue());
                    ps.setLong(4, now);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        }).exceptionally(t -> {
            log.warn("could not persist {} sync states of storage {}", copy.size(), storageId, t);
            return null;
        });
    }
}
