package org.elohim.node.storage;

import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.elohim.node.changes.ChangeGraph;
import org.elohim.node.changes.Chunk;

/**
 * SQL of the change graph (tables {@code changes}, {@code outliers}, {@code document_snapshots}):
 * loading a document's graph, reading change bytes by number, and the statements a write job runs.
 * Reads take a reader connection, writes the writer's (inside {@link Database#write} jobs).
 */
final class ChangeStore {
    private final Database db;

    ChangeStore(Database db) {
        this.db = db;
    }

    /** The document's state from the database, or null if it is not stored. */
    DocState load(String docId) {
        return db.read(c -> {
            long size;
            try (PreparedStatement ps = c.prepareStatement("SELECT size FROM documents WHERE id=?")) {
                ps.setString(1, docId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return null;
                    size = rs.getLong(1);
                }
            }
            ChangeGraph g = new ChangeGraph();
            try (PreparedStatement ps = c.prepareStatement("SELECT hash, deps FROM changes WHERE doc_id=? ORDER BY n")) {
                ps.setString(1, docId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) g.add(rs.getBytes(1), Hashes.decode(rs.getBytes(2)));
                }
            }
            LinkedHashMap<String, Chunk.Change> outliers = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT hash, deps, data FROM outliers WHERE doc_id=? ORDER BY received_at")) {
                ps.setString(1, docId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byte[] h = rs.getBytes(1);
                        outliers.put(Hashes.hex(h), new Chunk.Change(h, Hashes.decode(rs.getBytes(2)), rs.getBytes(3)));
                    }
                }
            }
            int upto = 0;
            long snapshotBytes = 0;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT upto, length(data) FROM document_snapshots WHERE doc_id=?")) {
                ps.setString(1, docId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        upto = rs.getInt(1);
                        snapshotBytes = rs.getLong(2);
                    }
                }
            }
            return new DocState(g, outliers, true, size, upto, snapshotBytes);
        });
    }

    /** Committed bytes of changes {@code ns} (ascending numbers), one array each, in that order. */
    List<byte[]> changeList(String docId, int[] ns) {
        if (ns.length == 0) return List.of();
        int first = ns[0];
        int last = ns[ns.length - 1];
        // A dense run is one range scan; a few scattered changes are point lookups.
        boolean dense = (long) ns.length * 4 >= (long) last - first + 1;
        return db.read(c -> {
            List<byte[]> out = new ArrayList<>(ns.length);
            if (dense) {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT n, data FROM changes WHERE doc_id=? AND n BETWEEN ? AND ? ORDER BY n")) {
                    ps.setString(1, docId);
                    ps.setInt(2, first);
                    ps.setInt(3, last);
                    int k = 0;
                    try (ResultSet rs = ps.executeQuery()) {
                        while (k < ns.length && rs.next()) {
                            if (rs.getInt(1) == ns[k]) {
                                out.add(rs.getBytes(2));
                                k++;
                            }
                        }
                    }
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement("SELECT data FROM changes WHERE doc_id=? AND n=?")) {
                    for (int n : ns) {
                        ps.setString(1, docId);
                        ps.setInt(2, n);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) out.add(rs.getBytes(1));
                        }
                    }
                }
            }
            if (out.size() != ns.length) throw new SQLException("changes of " + docId + " missing from the store");
            return out;
        });
    }

    /** What materializing needs: the snapshot (if any) and the changes after it, in order. */
    List<byte[]> materialParts(String docId, int upTo) {
        return db.read(c -> {
            List<byte[]> parts = new ArrayList<>();
            int from = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT data, upto FROM document_snapshots WHERE doc_id=?")) {
                ps.setString(1, docId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        parts.add(rs.getBytes(1));
                        from = rs.getInt(2);
                    }
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT data FROM changes WHERE doc_id=? AND n > ? AND n <= ? ORDER BY n")) {
                ps.setString(1, docId);
                ps.setInt(2, from);
                ps.setInt(3, upTo);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.writeBytes(rs.getBytes(1));
                }
            }
            parts.add(out.toByteArray());
            return parts;
        });
    }

    // ---- inside write jobs

    void insertChange(Connection c, String docId, int n, Chunk.Change ch) throws SQLException {
        PreparedStatement ps = db.cached(c, "INSERT INTO changes(doc_id, n, hash, deps, data) VALUES(?,?,?,?,?)");
        ps.setString(1, docId);
        ps.setInt(2, n);
        ps.setBytes(3, ch.hash());
        ps.setBytes(4, Hashes.encode(ch.deps()));
        ps.setBytes(5, ch.bytes());
        ps.executeUpdate();
    }

    void insertOutlier(Connection c, String docId, Chunk.Change ch, long now) throws SQLException {
        PreparedStatement ps = db.cached(c, "INSERT OR IGNORE INTO outliers(doc_id, hash, deps, data, received_at)"
                + " VALUES(?,?,?,?,?)");
        ps.setString(1, docId);
        ps.setBytes(2, ch.hash());
        ps.setBytes(3, Hashes.encode(ch.deps()));
        ps.setBytes(4, ch.bytes());
        ps.setLong(5, now);
        ps.executeUpdate();
    }

    void deleteOutlier(Connection c, String docId, byte[] hash) throws SQLException {
        PreparedStatement ps = db.cached(c, "DELETE FROM outliers WHERE doc_id=? AND hash=?");
        ps.setString(1, docId);
        ps.setBytes(2, hash);
        ps.executeUpdate();
    }

    static void putSnapshot(Connection c, String docId, byte[] snapshot, int upto) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO document_snapshots(doc_id, data, upto) VALUES(?,?,?)"
                + " ON CONFLICT(doc_id) DO UPDATE SET data=excluded.data, upto=excluded.upto")) {
            ps.setString(1, docId);
            ps.setBytes(2, snapshot);
            ps.setInt(3, upto);
            ps.executeUpdate();
        }
    }
}
