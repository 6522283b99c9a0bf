package org.elohim.node.blobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.elohim.node.reach.Reach;
import org.elohim.node.storage.Database;

/** The blob store's rows in node.db ({@link BlobSchema}): one method per query, no policy. */
final class BlobIndex {
    private final Database db;

    BlobIndex(Database db) {
        this.db = db;
        db.migrate(BlobSchema.COMPONENT, BlobSchema.MIGRATIONS);
    }

    record Row(BlobId id, long size, int chunkCount, long createdAt) {
    }

    /** Chunks an owner has delivered for an upload, by index. */
    record UploadRow(long size, TreeMap<Integer, byte[]> chunks) {
    }

    Optional<Row> blob(BlobId id) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT size, chunk_count, created_at FROM blobs WHERE id=?")) {
                ps.setString(1, id.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Row(id, rs.getLong(1), rs.getInt(2), rs.getLong(3))) : Optional.empty();
                }
            }
        });
    }

    List<BlobOwnership> owners(BlobId id) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT owner, reach, content_type, created_at FROM blob_owners WHERE blob_id=? ORDER BY owner")) {
                ps.setString(1, id.toString());
                List<BlobOwnership> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new BlobOwnership(rs.getString(1), Reach.parse(rs.getString(2)).orElse(Reach.PRIVATE),
                                rs.getString(3), rs.getLong(4)));
                    }
                }
                return out;
            }
        });
    }

    /** Documents that reference the blob (doc id → content type they declare), at most {@code limit}. */
    Map<String, String> references(BlobId id, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT doc_id, content_type FROM blob_refs WHERE blob_id=? ORDER BY doc_id LIMIT ?")) {
                ps.setString(1, id.toString());
                ps.setInt(2, limit);
                Map<String, String> out = new TreeMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.put(rs.getString(1), rs.getString(2));
                }
                return out;
            }
        });
    }

    /** Blobs ordered by id after {@code after} (null: from the start). */
    List<Row> list(String after, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, size, chunk_count, created_at FROM blobs WHERE id > ? ORDER BY id LIMIT ?")) {
                ps.setString(1, after == null ? "" : after);
                ps.setInt(2, limit);
                List<Row> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Row(BlobId.parse(rs.getString(1)).orElseThrow(), rs.getLong(2), rs.getInt(3), rs.getLong(4)));
                    }
                }
                return out;
            }
        });
    }

    /** Bytes charged to an owner: blobs it uploaded plus uploads in progress (but not {@code except}). */
    long usage(String owner, String except) {
        return db.read(c -> usage(c, owner, except));
    }

    private static long usage(Connection c, String owner, String except) throws SQLException {
        long total = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(b.size),0) FROM blob_owners o"
                + " JOIN blobs b ON b.id=o.blob_id WHERE o.owner=? AND o.blob_id<>?")) {
            ps.setString(1, owner);
            ps.setString(2, except);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) total += rs.getLong(1);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COALESCE(SUM(size),0) FROM blob_uploads WHERE owner=? AND blob_id<>?")) {
            ps.setString(1, owner);
            ps.setString(2, except);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) total += rs.getLong(1);
            }
        }
        return total;
    }

    Optional<UploadRow> upload(String owner, String key) {
        return db.read(c -> {
            long size;
            try (PreparedStatement ps = c.prepareStatement("SELECT size FROM blob_uploads WHERE owner=? AND blob_id=?")) {
                ps.setString(1, owner);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    size = rs.getLong(1);
                }
            }
            TreeMap<Integer, byte[]> chunks = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT idx, hash FROM blob_upload_chunks WHERE owner=? AND blob_id=?")) {
                ps.setString(1, owner);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) chunks.put(rs.getInt(1), rs.getBytes(2));
                }
            }
            return Optional.of(new UploadRow(size, chunks));
        });
    }

    /** Opens (or re-opens with a new size) an upload, refusing it if the owner's quota would be exceeded. */
    void startUpload(String owner, String key, long size, long quota, long now) {
        Database.join(db.write(c -> {
            if (quota > 0 && usage(c, owner, key) + size > quota) {
                throw new BlobRejected(BlobRejected.Reason.QUOTA_EXCEEDED, "blob quota of " + owner + " exceeded ("
                        + quota + " bytes)");
            }
            PreparedStatement old = db.cached(c, "SELECT size FROM blob_uploads WHERE owner=? AND blob_id=?");
            old.setString(1, owner);
            old.setString(2, key);
            try (ResultSet rs = old.executeQuery()) {
                if (rs.next() && rs.getLong(1) != size) {
                    // Same id, other size: the earlier chunks cannot belong to it.
                    PreparedStatement del = db.cached(c, "DELETE FROM blob_upload_chunks WHERE owner=? AND blob_id=?");
                    del.setString(1, owner);
                    del.setString(2, key);
                    del.executeUpdate();
                }
            }
            PreparedStatement ps = db.cached(c, "INSERT INTO blob_uploads(owner, blob_id, size, updated_at) VALUES(?,?,?,?)"
                    + " ON CONFLICT(owner, blob_id) DO UPDATE SET size=excluded.size, updated_at=excluded.updated_at");
            ps.setString(1, owner);
            ps.setString(2, key);
            ps.setLong(3, size);
            ps.setLong(4, now);
            ps.executeUpdate();
            return null;
        }));
    }

    void recordUploadChunk(String owner, String key, int index, byte[] hash, long now) {
        Database.join(db.write(c -> {
            PreparedStatement ps = db.cached(c, "INSERT OR REPLACE INTO blob_upload_chunks(owner, blob_id, idx, hash)"
                    + " VALUES(?,?,?,?)");
            ps.setString(1, owner);
            ps.setString(2, key);
            ps.setInt(3, index);
            ps.setBytes(4, hash);
            ps.executeUpdate();
            PreparedStatement up = db.cached(c, "UPDATE blob_uploads SET updated_at=? WHERE owner=? AND blob_id=?");
            up.setLong(1, now);
            up.setString(2, owner);
            up.setString(3, key);
            up.executeUpdate();
            return null;
        }));
    }

    void dropUpload(String owner, String key) {
        Database.join(db.write(c -> {
            deleteUpload(c, owner, key);
            return null;
        }));
    }

    private void deleteUpload(Connection c, String owner, String key) throws SQLException {
        PreparedStatement a = db.cached(c, "DELETE FROM blob_upload_chunks WHERE owner=? AND blob_id=?");
        a.setString(1, owner);
        a.setString(2, key);
        a.executeUpdate();
        PreparedStatement b = db.cached(c, "DELETE FROM blob_uploads WHERE owner=? AND blob_id=?");
        b.setString(1, owner);
        b.setString(2, key);
        b.executeUpdate();
    }

    /**
     * Makes a complete blob visible (its manifest is already durable) and records the owner's
     * declaration; ends the upload. True if this owner did not hold it before.
     */
    boolean commit(BlobId id, long size, int chunkCount, String owner, Reach reach, String contentType, String uploadKey,
                   long quota, long now) {
        return Database.join(db.write(c -> {
            if (quota > 0 && !owns(c, id, owner) && usage(c, owner, uploadKey) + size > quota) {
                throw new BlobRejected(BlobRejected.Reason.QUOTA_EXCEEDED, "blob quota of " + owner + " exceeded ("
                        + quota + " bytes)");
            }
            PreparedStatement ins = db.cached(c, "INSERT OR IGNORE INTO blobs(id, size, chunk_count, created_at) VALUES(?,?,?,?)");
            ins.setString(1, id.toString());
            ins.setLong(2, size);
            ins.setInt(3, chunkCount);
            ins.setLong(4, now);
            ins.executeUpdate();
            boolean created = !owns(c, id, owner);
            PreparedStatement own = db.cached(c, "INSERT INTO blob_owners(blob_id, owner, reach, content_type, created_at)"
                    + " VALUES(?,?,?,?,?) ON CONFLICT(blob_id, owner) DO UPDATE SET reach=excluded.reach,"
                    + " content_type=excluded.content_type, created_at=excluded.created_at");
            own.setString(1, id.toString());
            own.setString(2, owner);
            own.setString(3, reach.wireName());
            own.setString(4, contentType);
            own.setLong(5, now);
            own.executeUpdate();
            deleteUpload(c, owner, uploadKey);
            if (!uploadKey.equals(id.toString())) deleteUpload(c, owner, id.toString());
            return created;
        }));
    }

    private boolean owns(Connection c, BlobId id, String owner) throws SQLException {
        PreparedStatement ps = db.cached(c, "SELECT 1 FROM blob_owners WHERE blob_id=? AND owner=?");
        ps.setString(1, id.toString());
        ps.setString(2, owner);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    /** Replaces the set of blobs a document references. */
    void replaceReferences(String docId, Map<BlobId, String> refs) {
        Database.join(db.write(c -> {
            PreparedStatement del = db.cached(c, "DELETE FROM blob_refs WHERE doc_id=?");
            del.setString(1, docId);
            del.executeUpdate();
            PreparedStatement ins = db.cached(c, "INSERT INTO blob_refs(doc_id, blob_id, content_type) VALUES(?,?,?)");
            for (Map.Entry<BlobId, String> e : refs.entrySet()) {
                ins.setString(1, docId);
                ins.setString(2, e.getKey().toString());
                ins.setString(3, e.getValue());
                ins.executeUpdate();
            }
            return null;
        }));
    }

    /** The indexer's position in the document stream (epoch, seq); (0, 0) before the first run. */
    long[] referenceCursor() {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT epoch, seq FROM blob_ref_cursor WHERE id=1");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : new long[] {0, 0};
            }
        });
    }

    /** Replaces the references of several documents and moves the cursor, in one transaction. */
    void indexReferences(Map<String, Map<BlobId, String>> byDoc, long epoch, long seq) {
        Database.join(db.write(c -> {
            PreparedStatement del = db.cached(c, "DELETE FROM blob_refs WHERE doc_id=?");
            PreparedStatement ins = db.cached(c, "INSERT INTO blob_refs(doc_id, blob_id, content_type) VALUES(?,?,?)");
            for (Map.Entry<String, Map<BlobId, String>> d : byDoc.entrySet()) {
                del.setString(1, d.getKey());
                del.executeUpdate();
                for (Map.Entry<BlobId, String> e : d.getValue().entrySet()) {
                    ins.setString(1, d.getKey());
                    ins.setString(2, e.getKey().toString());
                    ins.setString(3, e.getValue());
                    ins.executeUpdate();
                }
            }
            PreparedStatement cur = db.cached(c, "INSERT INTO blob_ref_cursor(id, epoch, seq) VALUES(1,?,?)"
                    + " ON CONFLICT(id) DO UPDATE SET epoch=excluded.epoch, seq=excluded.seq");
            cur.setLong(1, epoch);
            cur.setLong(2, seq);
            cur.executeUpdate();
            return null;
        }));
    }

    // ---- collection ------------------------------------------------------------------------

    /** Blobs no document references whose every owner declaration is older than {@code cutoff}. */
    List<BlobId> unreferencedBefore(long cutoff, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT b.id FROM blobs b"
                    + " WHERE b.created_at < ? AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.blob_id=b.id)"
                    + " AND NOT EXISTS (SELECT 1 FROM blob_owners o WHERE o.blob_id=b.id AND o.created_at >= ?)"
                    + " AND NOT EXISTS (SELECT 1 FROM blob_uploads u WHERE u.blob_id=b.id) LIMIT ?")) {
                ps.setLong(1, cutoff);
                ps.setLong(2, cutoff);
                ps.setInt(3, limit);
                List<BlobId> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) BlobId.parse(rs.getString(1)).ifPresent(out::add);
                }
                return out;
            }
        });
    }

    void deleteBlob(BlobId id) {
        Database.join(db.write(c -> {
            PreparedStatement ps = db.cached(c, "DELETE FROM blobs WHERE id=?");
            ps.setString(1, id.toString());
            ps.executeUpdate();
            return null;
        }));
    }

    int dropUploadsBefore(long cutoff) {
        return Database.join(db.write(c -> {
            PreparedStatement a = db.cached(c, "DELETE FROM blob_upload_chunks WHERE (owner, blob_id) IN"
                    + " (SELECT owner, blob_id FROM blob_uploads WHERE updated_at < ?)");
            a.setLong(1, cutoff);
            a.executeUpdate();
            PreparedStatement b = db.cached(c, "DELETE FROM blob_uploads WHERE updated_at < ?");
            b.setLong(1, cutoff);
            return b.executeUpdate();
        }));
    }

    Set<String> allBlobIds() {
        return db.read(c -> {
            Set<String> out = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM blobs"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    /** Chunk hashes held by uploads in progress (hex). */
    Set<String> uploadChunkHashes() {
        return db.read(c -> {
            Set<String> out = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT hash FROM blob_upload_chunks");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(java.util.HexFormat.of().formatHex(rs.getBytes(1)));
            }
            return out;
        });
    }

    long count() {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM blobs"); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }
}
