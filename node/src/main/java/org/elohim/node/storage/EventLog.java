package org.elohim.node.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.elohim.node.docs.EventKind;
import org.elohim.node.docs.StreamEvent;
import org.elohim.node.docs.StreamPosition;

/** This node's stream (table {@code sync_events}): appending events and reading them back. */
final class EventLog {
    private final Database db;
    private volatile long epoch;

    EventLog(Database db, long epoch) {
        this.db = db;
        this.epoch = epoch;
    }

    long epoch() {
        return epoch;
    }

    void renewEpoch(long fresh) {
        epoch = fresh;
    }

    /** Inside a write job: appends an event and returns its seq. */
    long append(Connection c, String docId, byte[] heads, EventKind kind, long now) throws SQLException {
        PreparedStatement ev = db.cached(c,
                "INSERT INTO sync_events(doc_id, heads, kind, timestamp) VALUES(?,?,?,?) RETURNING seq");
        ev.setString(1, docId);
        ev.setBytes(2, heads);
        ev.setString(3, kind.name());
        ev.setLong(4, now);
        try (ResultSet rs = ev.executeQuery()) {
            if (!rs.next()) throw new SQLException("no seq for the new event");
            return rs.getLong(1);
        }
    }

    StreamPosition position() {
        return new StreamPosition(epoch, db.read(c -> DocumentCatalog.scalar(c, "SELECT COALESCE(MAX(seq), 0) FROM sync_events")));
    }

    /**
     * One event per document: each document whose latest event is after {@code afterSeq}, taken in
     * seq order of those latest events (so the batch covers the seq range up to its largest seq,
     * with nothing missing), then ordered Local first, then by seq.
     */
    List<StreamEvent> eventsSince(long afterSeq, int limit) {
        List<StreamEvent> out = query("SELECT e.seq, e.doc_id, e.heads, e.kind, e.timestamp"
                + " FROM documents d JOIN sync_events e ON e.seq = d.last_seq"
                + " WHERE d.last_seq > ? ORDER BY d.last_seq LIMIT ?", afterSeq, limit);
        out.sort(Comparator.comparing(StreamEvent::kind).thenComparingLong(StreamEvent::seq));
        return out;
    }

    List<StreamEvent> rawEventsSince(long afterSeq, int limit) {
        return query("SELECT seq, doc_id, heads, kind, timestamp FROM sync_events WHERE seq > ? ORDER BY seq LIMIT ?",
                afterSeq, limit);
    }

    private List<StreamEvent> query(String sql, long afterSeq, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, afterSeq);
                ps.setInt(2, Math.max(0, limit));
                List<StreamEvent> events = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(new StreamEvent(rs.getLong(1), rs.getString(2), Hashes.decode(rs.getBytes(3)),
                                EventKind.valueOf(rs.getString(4)), rs.getLong(5)));
                    }
                }
                return events;
            }
        });
    }
}
