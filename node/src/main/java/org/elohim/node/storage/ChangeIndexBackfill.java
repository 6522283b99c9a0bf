package org.elohim.node.storage;

import java.io.ByteArrayOutputStream;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.elohim.node.changes.ChangeGraph;
import org.elohim.node.changes.Chunk;
import org.elohim.node.changes.ChunkCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits documents stored before schema v2 (snapshot plus appended chunks, {@code indexed=0})
 * into the change graph, one document per transaction, so it resumes after a crash. The one
 * place that materializes regardless of the budget: it runs once per old document, one at a time.
 * Changes the old store kept while their deps were missing become outliers again.
 */
final class ChangeIndexBackfill {
    private static final Logger log = LoggerFactory.getLogger(ChangeIndexBackfill.class);

    private ChangeIndexBackfill() {
    }

    static void run(Database db, long maxInflated) {
        List<String> ids = db.read(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM documents WHERE indexed=0");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
        if (ids.isEmpty()) return;
        log.info("indexing the changes of {} documents stored by an older version", ids.size());
        for (String id : ids) backfill(db, id, maxInflated);
    }

    private static void backfill(Database db, String docId, long maxInflated) {
        byte[][] stored = db.read(c -> {
            byte[] snapshot = new byte[0];
            try (PreparedStatement ps = c.prepareStatement("SELECT data FROM document_snapshots WHERE doc_id=?")) {
                ps.setString(1, docId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) snapshot = rs.getBytes(1);
                }
            }
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            try (PreparedStatement ps = c.prepareStatement("SELECT data FROM document_chunks WHERE doc_id=? ORDER BY n")) {
                ps.setString(1, docId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) chunks.writeBytes(rs.getBytes(1));
                }
            }
            return new byte[][] {snapshot, chunks.toByteArray()};
        });
        List<Chunk.Change> changes = new ArrayList<>();
        byte[] snapshot;
        Document d = Materializer.build(List.of(stored[0], stored[1]));
        try {
            for (Chunk ch : ChunkCodec.decode(d.encodeChangesSince(new ChangeHash[0]), Long.MAX_VALUE)) {
                if (ch instanceof Chunk.Change c) changes.add(c);
            }
            snapshot = d.save();
        } finally {
            d.free();
        }
        ChangeGraph g = new ChangeGraph();
        for (Chunk.Change c : changes) g.add(c.hash(), c.deps());
        List<Chunk.Change> outliers = new ArrayList<>();
        if (stored[1].length > 0) {
            for (Chunk ch : ChunkCodec.decode(stored[1], maxInflated)) {
                if (ch instanceof Chunk.Change c && !g.contains(c.hash())) outliers.add(c);
            }
        }
        long size = changes.stream().mapToLong(c -> c.bytes().length).sum();
        ChangeStore store = new ChangeStore(db);
        Database.join(db.write(c -> {
            for (int i = 0; i < changes.size(); i++) store.insertChange(c, docId, i + 1, changes.get(i));
            for (Chunk.Change o : outliers) store.insertOutlier(c, docId, o, 0);
            ChangeStore.putSnapshot(c, docId, snapshot, changes.size());
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM document_chunks WHERE doc_id=?")) {
                ps.setString(1, docId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE documents SET indexed=1, size=?, heads=?,"
                    + " chunk_count=0, chunk_bytes=0 WHERE id=?")) {
                ps.setLong(1, size);
                ps.setBytes(2, Hashes.encode(g.heads()));
                ps.setString(3, docId);
                ps.executeUpdate();
            }
            return null;
        }));
    }
}
