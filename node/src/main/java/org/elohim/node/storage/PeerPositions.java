package org.elohim.node.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.elohim.node.docs.StreamPosition;

/**
 * Durable per-peer stream positions (DESIGN §4): the position of the peer's stream I have fully
 * applied ({@code read}) and the position of my stream the peer acknowledged ({@code acked}).
 * Writes complete after commit, so a position handed out in a Hello was really stored. A stored
 * position never moves backwards within an epoch: two sessions of one peer may race (an old
 * session's late write must not undo a newer one's); a new epoch replaces it.
 */
public final class PeerPositions {
    static final String COMPONENT = "peer_positions";
    static final List<String> MIGRATIONS = List.of(
            "CREATE TABLE peer_positions(peer_id TEXT PRIMARY KEY,"
                    + " read_epoch INTEGER NOT NULL DEFAULT 0, read_seq INTEGER NOT NULL DEFAULT 0,"
                    + " acked_epoch INTEGER NOT NULL DEFAULT 0, acked_seq INTEGER NOT NULL DEFAULT 0,"
                    + " updated_at INTEGER NOT NULL)");

    /** One peer's positions; zeros for a peer never seen. */
    public record Entry(String peerId, StreamPosition read, StreamPosition acked, long updatedAtMillis) {
    }

    private final Database db;
    private final LongSupplier clock;

    private PeerPositions(Database db, LongSupplier clock) {
        this.db = db;
        this.clock = clock;
    }

    public static PeerPositions open(Database db) {
        return open(db, System::currentTimeMillis);
    }

    public static PeerPositions open(Database db, LongSupplier clockMillis) {
        db.migrate(COMPONENT, MIGRATIONS);
        return new PeerPositions(db, clockMillis);
    }

    public Entry get(String peerId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT read_epoch, read_seq, acked_epoch, acked_seq, updated_at FROM peer_positions WHERE peer_id=?")) {
                ps.setString(1, peerId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return new Entry(peerId, new StreamPosition(0, 0), new StreamPosition(0, 0), 0);
                    return row(peerId, rs);
                }
            }
        });
    }

    public List<Entry> all() {
        return db.read(c -> {
            List<Entry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT read_epoch, read_seq, acked_epoch, acked_seq, updated_at, peer_id FROM peer_positions ORDER BY peer_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(row(rs.getString(6), rs));
            }
            return out;
        });
    }

    private static Entry row(String peerId, ResultSet rs) throws SQLException {
        return new Entry(peerId, new StreamPosition(rs.getLong(1), rs.getLong(2)),
                new StreamPosition(rs.getLong(3), rs.getLong(4)), rs.getLong(5));
    }

    /** Stores the position of {@code peerId}'s stream I have fully applied. */
    public CompletableFuture<Void> setRead(String peerId, StreamPosition read) {
        return upsert(peerId, "read", read);
    }

    /** Stores the position of my stream {@code peerId} acknowledged. */
    public CompletableFuture<Void> setAcked(String peerId, StreamPosition acked) {
        return upsert(peerId, "acked", acked);
    }

    /**
     * My stream went back (a new epoch for a damaged log): what I had read of every peer may be
     * lost with it, so every peer is read again from the start, by heads.
     */
    public CompletableFuture<Void> forgetReads() {
        return db.write(c -> {
            forgetReads(c);
            return null;
        });
    }

    static void forgetReads(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE peer_positions SET read_epoch=0, read_seq=0")) {
            ps.executeUpdate();
        }
    }

    public CompletableFuture<Void> forget(String peerId) {
        return db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM peer_positions WHERE peer_id=?")) {
                ps.setString(1, peerId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private CompletableFuture<Void> upsert(String peerId, String which, StreamPosition p) {
        long now = clock.getAsLong();
        return db.write(c -> {
            upsert(c, peerId, which, p, now);
            return null;
        });
    }

    private static void upsert(Connection c, String peerId, String which, StreamPosition p, long now)
            throws SQLException {
        String sql = "INSERT INTO peer_positions(peer_id, " + which + "_epoch, " + which + "_seq, updated_at)"
                + " VALUES(?,?,?,?) ON CONFLICT(peer_id) DO UPDATE SET " + which + "_epoch=excluded." + which
                + "_epoch, " + which + "_seq=excluded." + which + "_seq, updated_at=excluded.updated_at"
                + " WHERE NOT (peer_positions." + which + "_epoch=excluded." + which + "_epoch"
                + " AND peer_positions." + which + "_seq>excluded." + which + "_seq)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, peerId);
            ps.setLong(2, p.epoch());
            ps.setLong(3, p.seq());
            ps.setLong(4, now);
            ps.executeUpdate();
        }
    }
}
