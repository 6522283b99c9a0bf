package org.elohim.node.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.reach.Reach;

/** The {@code documents} rows: what exists, owner, reach, heads and size; reads and the write-job statements. */
final class DocumentCatalog {
    private final Database db;

    DocumentCatalog(Database db) {
        this.db = db;
    }

    Optional<DocumentInfo> info(String docId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, reach, owner, updated_at, heads, size FROM documents WHERE id=?")) {
                ps.setString(1, docId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(info(rs)) : Optional.<DocumentInfo>empty();
                }
            }
        });
    }

    private static DocumentInfo info(ResultSet rs) throws SQLException {
        return new DocumentInfo(rs.getString(1), Reach.parse(rs.getString(2)).orElse(Reach.PRIVATE),
                rs.getString(3), rs.getLong(4), Hashes.decode(rs.getBytes(5)), rs.getLong(6));
    }

    List<DocumentInfo> list(String afterDocId, int limit, Optional<Reach> reach, Optional<String> owner) {
        StringBuilder sql = new StringBuilder("SELECT id, reach, owner, updated_at, heads, size FROM documents WHERE id > ?");
        if (reach.isPresent()) sql.append(" AND reach = ?");
        if (owner.isPresent()) sql.append(" AND owner = ?");
        sql.append(" ORDER BY id LIMIT ?");
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setString(i++, afterDocId == null ? "" : afterDocId);
                if (reach.isPresent()) ps.setString(i++, reach.get().wireName());
                if (owner.isPresent()) ps.setString(i++, owner.get());
                ps.setInt(i, Math.max(0, limit));
                List<DocumentInfo> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(info(rs));
                }
                return out;
            }
        });
    }

    long count() {
        return db.read(c -> scalar(c, "SELECT COUNT(*) FROM documents"));
    }

    /** Documents and the sum of their sizes. */
    long[] totals() {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM documents");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        });
    }

    // ---- inside write jobs

    void insert(Connection c, String docId, String reach, String owner, long now, boolean synced) throws SQLException {
        PreparedStatement ps = db.cached(c, "INSERT INTO documents(id, reach, owner, updated_at, synced_at, heads, size,"
                + " indexed) VALUES(?,?,?,?,?,?,0,1)");
        ps.setString(1, docId);
        ps.setString(2, reach);
        ps.setString(3, owner);
        ps.setLong(4, now);
        if (synced) ps.setLong(5, now); else ps.setNull(5, java.sql.Types.INTEGER);
        ps.setBytes(6, new byte[0]);
        ps.executeUpdate();
    }

    void update(Connection c, String docId, byte[] heads, long now, boolean synced, long addedBytes, int addedChanges,
                long seq) throws SQLException {
        PreparedStatement up = db.cached(c, "UPDATE documents SET heads=?, updated_at=?,"
                + " synced_at=CASE WHEN ? THEN ? ELSE synced_at END, size=size+?,"
                + " chunk_count=chunk_count+?, chunk_bytes=chunk_bytes+?, last_seq=? WHERE id=?");
        up.setBytes(1, heads);
        up.setLong(2, now);
        up.setBoolean(3, synced);
        up.setLong(4, now);
        up.setLong(5, addedBytes);
        up.setInt(6, addedChanges);
        up.setLong(7, addedBytes);
        up.setLong(8, seq);
        up.setString(9, docId);
        if (up.executeUpdate() != 1) throw new SQLException("document row missing: " + docId);
    }

    static long scalar(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }
}
