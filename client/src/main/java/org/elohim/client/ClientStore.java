package org.elohim.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.elohim.api.v1.EventKind;

/**
 * The device's offline store: one SQLite file ({@code device.db}) in the directory the app
 * gives. It holds the device key and pairing, every document (as Automerge save bytes), the
 * device's own stream of events (epoch + seq, one live event per document) and the positions
 * exchanged with the node. Every write is one committed transaction (WAL, synchronous=FULL).
 */
final class ClientStore implements AutoCloseable {
    static final String FILE_NAME = "device.db";
    private static final List<String> SCHEMA = List.of(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
            "CREATE TABLE IF NOT EXISTS documents (doc_id TEXT PRIMARY KEY, data BLOB NOT NULL, heads BLOB NOT NULL,"
                    + " reach TEXT NOT NULL, owner TEXT NOT NULL, updated_at INTEGER NOT NULL)",
            // The stream keeps only each document's latest event: a reader at any position still
            // learns every document changed after it (with its newest heads).
            "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE,"
                    + " heads BLOB NOT NULL, kind INTEGER NOT NULL, ts INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS peers (peer_id TEXT PRIMARY KEY, read_epoch INTEGER NOT NULL,"
                    + " read_seq INTEGER NOT NULL, acked_epoch INTEGER NOT NULL, acked_seq INTEGER NOT NULL)");

    record StoredDoc(String docId, byte[] data, List<byte[]> heads, Reach reach, String owner, long updatedAt) {
    }

    record StoredEvent(long seq, String docId, List<byte[]> heads, EventKind kind, long timestamp) {
    }

    record Position(long epoch, long seq) {
        static final Position NONE = new Position(0, 0);
    }

    record PeerState(Position read, Position acked) {
    }

    private final Connection db;
    private final Path marker;
    private long epoch;
    private boolean deferred;

    private ClientStore(Connection db, Path marker) throws SQLException {
        this.db = db;
        this.marker = marker;
        // The node's rule (SYNC-PROTOCOL "Epochs"): the epoch and an instance token live in the
        // database AND in a marker file beside it, the token rotated at every open and clean close.
        // A database copied back from a backup (marker missing or different) reuses seqs the node
        // may already have read, so it gets a new epoch and is rescanned.
        Optional<Long> stored = meta("stream_epoch").map(b -> java.nio.ByteBuffer.wrap(b).getLong());
        Optional<Long> storedToken = meta("instance_token").map(b -> java.nio.ByteBuffer.wrap(b).getLong());
        Optional<long[]> marked = readMarker(marker);
        boolean same = stored.isPresent() && marked.isPresent() && stored.get() == marked.get()[0]
                // a marker of the earlier format carries no token: accepted once, then upgraded
                && (storedToken.isEmpty() ? marked.get().length == 1
                        : marked.get().length == 2 && storedToken.get() == marked.get()[1]);
        epoch = same ? stored.get() : nonZero();
        rotate();
    }

    private static long nonZero() {
        long fresh;
        do {
            fresh = new SecureRandom().nextLong();
        } while (fresh == 0);
        return fresh;
    }

    /** A new instance token in the database, then in the marker (a crash in between costs a new epoch). */
    private void rotate() {
        long token = nonZero();
        putMeta("stream_epoch", java.nio.ByteBuffer.allocate(8).putLong(epoch).array());
        putMeta("instance_token", java.nio.ByteBuffer.allocate(8).putLong(token).array());
        writeMarker(marker, epoch, token);
    }

    /** My stream may have gone back (the node read past its end): a new epoch, so it rescans by heads. */
    synchronized void renewEpoch(String reason) {
        flush();
        epoch = nonZero();
        rotate();
        // What I had read of the node may be lost with my stream: read it again, by heads.
        try (Statement s = db.createStatement()) {
            s.executeUpdate("UPDATE peers SET read_epoch = 0, read_seq = 0");
        } catch (SQLException e) {
            throw fail(e);
        }
        org.slf4j.LoggerFactory.getLogger(ClientStore.class).warn("device store: new stream epoch: {}", reason);
    }

    private static Optional<long[]> readMarker(Path marker) {
        try {
            if (!Files.exists(marker)) return Optional.empty();
            String[] parts = Files.readString(marker).trim().split("\\s+");
            long[] out = new long[parts.length];
            for (int i = 0; i < parts.length; i++) out[i] = Long.parseUnsignedLong(parts[i], 16);
            return out.length == 1 || out.length == 2 ? Optional.of(out) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static void writeMarker(Path marker, long epoch, long token) {
        try {
            Path tmp = marker.resolveSibling(marker.getFileName() + ".tmp");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap((Long.toUnsignedString(epoch, 16) + " "
                        + Long.toUnsignedString(token, 16) + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.move(tmp, marker, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new ClientException("cannot write " + marker, e);
        }
    }

    static ClientStore open(Path dir) {
        try {
            Files.createDirectories(dir);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(FILE_NAME).toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout=10000");
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                for (String sql : SCHEMA) s.execute(sql);
            }
            return new ClientStore(c, dir.resolve(FILE_NAME + ".instance"));
        } catch (Exception e) {
            throw new ClientException("cannot open the device store in " + dir, e);
        }
    }

    synchronized long epoch() {
        return epoch;
    }

    synchronized Optional<byte[]> meta(String key) {
        try (PreparedStatement ps = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    synchronized void putMeta(String key, byte[] value) {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")) {
            ps.setString(1, key);
            ps.setBytes(2, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    synchronized Optional<StoredDoc> doc(String docId) {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT doc_id, data, heads, reach, owner, updated_at FROM documents WHERE doc_id = ?")) {
            ps.setString(1, docId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new StoredDoc(rs.getString(1), rs.getBytes(2), ChangeHashes.decode(rs.getBytes(3)),
                        Reach.valueOf(rs.getString(4)), rs.getString(5), rs.getLong(6)));
            }
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    synchronized Optional<LocalDocument> local(String docId) {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT doc_id, heads, reach, owner, updated_at, length(data) FROM documents WHERE doc_id = ?")) {
            ps.setString(1, docId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new LocalDocument(rs.getString(1), Reach.valueOf(rs.getString(3)), rs.getString(4),
                        ChangeHashes.decode(rs.getBytes(2)), rs.getLong(5), rs.getLong(6)));
            }
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    synchronized List<LocalDocument> list() {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT doc_id, heads, reach, owner, updated_at, length(data) FROM documents ORDER BY doc_id");
             ResultSet rs = ps.executeQuery()) {
            List<LocalDocument> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new LocalDocument(rs.getString(1), Reach.valueOf(rs.getString(3)), rs.getString(4),
                        ChangeHashes.decode(rs.getBytes(2)), rs.getLong(5), rs.getLong(6)));
            }
            return out;
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    /**
     * Stores a document's new state and, in the same transaction, appends its event to the
     * device's stream (replacing the document's previous event). Returns the new seq.
     */
    synchronized long saveDoc(String docId, byte[] data, List<byte[]> heads, Reach reach, String owner, EventKind kind,
                              long now) {
        try {
            boolean own = !deferred;
            if (own) db.setAutoCommit(false);
            try (Statement sp = db.createStatement()) {
                sp.execute("SAVEPOINT save_doc");
            }
            try {
                try (PreparedStatement ps = db.prepareStatement("INSERT INTO documents (doc_id, data, heads, reach, owner,"
                        + " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(doc_id) DO UPDATE SET data = excluded.data,"
                        + " heads = excluded.heads, updated_at = excluded.updated_at,"
                        + " owner = CASE WHEN documents.owner = '' THEN excluded.owner ELSE documents.owner END")) {
                    ps.setString(1, docId);
                    ps.setBytes(2, data);
                    ps.setBytes(3, ChangeHashes.encode(heads));
                    ps.setString(4, reach.name());
                    ps.setString(5, owner);
                    ps.setLong(6, now);
                    ps.executeUpdate();
                }
                long seq = lastSeqLocked() + 1;
                try (PreparedStatement ps = db.prepareStatement("DELETE FROM events WHERE doc_id = ?")) {
                    ps.setString(1, docId);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = db.prepareStatement(
                        "INSERT INTO events (seq, doc_id, heads, kind, ts) VALUES (?, ?, ?, ?, ?)")) {
                    ps.setLong(1, seq);
                    ps.setString(2, docId);
                    ps.setBytes(3, ChangeHashes.encode(heads));
                    ps.setInt(4, kind.getNumber());
                    ps.setLong(5, now);
                    ps.executeUpdate();
                }
                putMetaLocked("last_seq", seq);
                try (Statement sp = db.createStatement()) {
                    sp.execute("RELEASE save_doc");
                }
                if (own) db.commit();
                return seq;
            } catch (SQLException | RuntimeException e) {
                try (Statement sp = db.createStatement()) {
                    sp.execute("ROLLBACK TO save_doc");
                    sp.execute("RELEASE save_doc");
                }
                if (own) db.rollback();
                throw e;
            } finally {
                if (own) db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    /**
     * Group commit for documents received by sync: until {@link #flush()}, {@link #saveDoc} calls
     * share one transaction (one fsync for a whole batch instead of one per document). Nothing
     * may be acknowledged to the node before the flush.
     */
    synchronized void deferCommits() {
        if (deferred) return;
        try {
            db.setAutoCommit(false);
            deferred = true;
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    /** Commits (durably) what {@link #deferCommits()} held back. */
    synchronized void flush() {
        if (!deferred) return;
        try {
            db.commit();
        } catch (SQLException e) {
            throw fail(e);
        } finally {
            deferred = false;
            try {
                db.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the next statement reports it
            }
        }
    }

    /** Sets reach/owner as the node reported them (a document the node created or owns). */
    synchronized void setReachAndOwner(String docId, Reach reach, String owner) {
        try (PreparedStatement ps = db.prepareStatement("UPDATE documents SET reach = ?, owner = ? WHERE doc_id = ?")) {
            ps.setString(1, reach.name());
            ps.setString(2, owner);
            ps.setString(3, docId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    synchronized long lastSeq() {
        try {
            return lastSeqLocked();
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    // Seqs never go back even though older events of a document are deleted, so the last seq is kept apart.
    private long lastSeqLocked() throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT value FROM meta WHERE key = 'last_seq'");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? java.nio.ByteBuffer.wrap(rs.getBytes(1)).getLong() : 0;
        }
    }

    private void putMetaLocked(String key, long value) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")) {
            ps.setString(1, key);
            ps.setBytes(2, java.nio.ByteBuffer.allocate(8).putLong(value).array());
            ps.executeUpdate();
        }
    }

    /** Up to {@code limit} events after {@code afterSeq}, in seq order (one per document by construction). */
    synchronized List<StoredEvent> eventsSince(long afterSeq, int limit) {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT seq, doc_id, heads, kind, ts FROM events WHERE seq > ? ORDER BY seq LIMIT ?")) {
            ps.setLong(1, afterSeq);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                List<StoredEvent> out = new ArrayList<>();
                while (rs.next()) {
                    EventKind k = EventKind.forNumber(rs.getInt(4));
                    out.add(new StoredEvent(rs.getLong(1), rs.getString(2), ChangeHashes.decode(rs.getBytes(3)),
                            k == null ? EventKind.EVENT_KIND_LOCAL : k, rs.getLong(5)));
                }
                return out;
            }
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    /** Priority order inside a batch: LOCAL first, then NEW, BACKFILL, OUTLIER; then seq. */
    static final Comparator<StoredEvent> PRIORITY = Comparator.<StoredEvent>comparingInt(e -> e.kind().getNumber())
            .thenComparingLong(StoredEvent::seq);

    synchronized PeerState peer(String peerId) {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT read_epoch, read_seq, acked_epoch, acked_seq FROM peers WHERE peer_id = ?")) {
            ps.setString(1, peerId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return new PeerState(Position.NONE, Position.NONE);
                return new PeerState(new Position(rs.getLong(1), rs.getLong(2)), new Position(rs.getLong(3), rs.getLong(4)));
            }
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    synchronized void setRead(String peerId, Position read) {
        upsertPeer(peerId, "read_epoch", "read_seq", read);
    }

    synchronized void setAcked(String peerId, Position acked) {
        upsertPeer(peerId, "acked_epoch", "acked_seq", acked);
    }

    private void upsertPeer(String peerId, String epochColumn, String seqColumn, Position p) {
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO peers (peer_id, read_epoch, read_seq, acked_epoch,"
                + " acked_seq) VALUES (?, 0, 0, 0, 0) ON CONFLICT(peer_id) DO NOTHING")) {
            ps.setString(1, peerId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail(e);
        }
        try (PreparedStatement ps = db.prepareStatement(
                "UPDATE peers SET " + epochColumn + " = ?, " + seqColumn + " = ? WHERE peer_id = ?")) {
            ps.setLong(1, p.epoch());
            ps.setLong(2, p.seq());
            ps.setString(3, peerId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    private static ClientException fail(SQLException e) {
        return new ClientException("device store failure: " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() {
        try {
            flush();
            rotate();
        } catch (ClientException ignored) {
            // closing anyway
        }
        try {
            db.close();
        } catch (SQLException ignored) {
            // closing
        }
    }
}
