package org.elohim.node.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The epoch of this node's stream (DESIGN §4; the rule is in docs/SYNC-PROTOCOL.md "Epochs").
 *
 * <p>{@code stream_meta} holds the epoch and an instance token; the marker file
 * {@code node.db.instance} beside the database holds the same two values. Every open checks that
 * they agree and then rotates the token in both. A database whose token does not match the
 * marker (a copy restored from an earlier run, or one moved to another data dir without its
 * marker), or that is flagged {@code restored} (written by {@code backupTo}), gets a new epoch, so
 * peers stop trusting positions whose seqs may be reused.
 *
 * <p>A crash can also take the stream back: a WAL damaged or truncated after a kill -9 loses its
 * last commits without a word from SQLite. The watermark file {@code node.db.seq} records the
 * highest committed seq after every commit (a small write without fsync: it survives a process
 * crash, and after a power loss it can only lag, never lead); a database whose last seq is below
 * the watermark of its own epoch has gone back and gets a new epoch too.
 */
final class StreamEpoch {
    private static final SecureRandom RANDOM = new SecureRandom();

    private StreamEpoch() {
    }

    static Path markerFile(Path dbFile) {
        return dbFile.resolveSibling(dbFile.getFileName() + ".instance");
    }

    private record Meta(long epoch, long token, boolean restored) {
    }

    private record Marker(long epoch, long token) {
    }

    static Path watermarkFile(Path dbFile) {
        return dbFile.resolveSibling(dbFile.getFileName() + ".seq");
    }

    static long establish(Database db, long nowMillis) {
        Path marker = markerFile(db.file());
        Optional<Meta> stored = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT epoch, instance_token, restored FROM stream_meta WHERE id=1");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Meta(rs.getLong(1), rs.getLong(2), rs.getInt(3) != 0))
                        : Optional.<Meta>empty();
            }
        });
        Optional<Marker> marked = readMarker(marker);
        boolean same = stored.isPresent() && marked.isPresent() && !stored.get().restored()
                && stored.get().epoch() == marked.get().epoch() && stored.get().token() == marked.get().token();
        if (same && wentBack(db, stored.get().epoch())) {
            same = false;
            // What this node had read of its peers may be among what was lost: read them all again.
            Database.join(db.write(c -> {
                PeerPositions.forgetReads(c);
                return null;
            }));
        }
        long epoch = same ? stored.get().epoch() : nonZero();
        write(db, epoch, nowMillis);
        return epoch;
    }

    /** Draws a new epoch now (the stream may have gone back while running). */
    static long renew(Database db, long nowMillis) {
        long epoch = nonZero();
        write(db, epoch, nowMillis);
        return epoch;
    }

    /** The last seq is below the watermark of this epoch: commits were lost (damaged WAL). */
    private static boolean wentBack(Database db, long epoch) {
        Optional<long[]> mark = StreamWatermark.read(watermarkFile(db.file()));
        if (mark.isEmpty() || mark.get()[0] != epoch) return false;
        long last = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM sync_events");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
        if (last >= mark.get()[1]) return false;
        org.slf4j.LoggerFactory.getLogger(StreamEpoch.class).warn("{}: the stream ends at seq {} but seq {} had been"
                + " committed before the last stop (the WAL was damaged or cut after a crash; {} events lost);"
                + " starting a new epoch so that peers rescan by heads", db.file(), last, mark.get()[1],
                mark.get()[1] - last);
        return true;
    }

    private static void write(Database db, long epoch, long nowMillis) {
        long token = nonZero();
        // Database first, then the marker: a crash in between only costs a new epoch next time.
        Database.join(db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO stream_meta(id, epoch, created_at, instance_token, restored) VALUES(1,?,?,?,0)"
                            + " ON CONFLICT(id) DO UPDATE SET epoch=excluded.epoch, instance_token=excluded.instance_token,"
                            + " restored=0, created_at=CASE WHEN stream_meta.epoch=excluded.epoch"
                            + " THEN stream_meta.created_at ELSE excluded.created_at END")) {
                ps.setLong(1, epoch);
                ps.setLong(2, nowMillis);
                ps.setLong(3, token);
                ps.executeUpdate();
            }
            return null;
        }));
        writeMarker(markerFile(db.file()), epoch, token);
    }

    /**
     * At a clean close: a new token in both places, so a raw copy of the file taken while this
     * run was live no longer matches the marker once restored.
     */
    static void rotateToken(Database db, long epoch) {
        long token = nonZero();
        Database.join(db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE stream_meta SET instance_token=? WHERE id=1")) {
                ps.setLong(1, token);
                ps.executeUpdate();
            }
            return null;
        }));
        writeMarker(markerFile(db.file()), epoch, token);
    }

    /** Flags a backup copy so that opening it starts a new epoch. */
    static void markRestored(Path dbCopy) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbCopy.toAbsolutePath());
             PreparedStatement ps = c.prepareStatement("UPDATE stream_meta SET restored=1")) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageException("cannot mark backup " + dbCopy, e);
        }
    }

    private static long nonZero() {
        long e;
        do {
            e = RANDOM.nextLong();
        } while (e == 0); // 0 means "never read" on the wire
        return e;
    }

    private static Optional<Marker> readMarker(Path marker) {
        try {
            if (!Files.exists(marker)) return Optional.empty();
            String[] parts = Files.readString(marker).trim().split("\\s+");
            if (parts.length != 2) return Optional.empty();
            return Optional.of(new Marker(Long.parseUnsignedLong(parts[0], 16), Long.parseUnsignedLong(parts[1], 16)));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void writeMarker(Path marker, long epoch, long token) {
        Path tmp = marker.resolveSibling(marker.getFileName() + ".tmp");
        String text = Long.toUnsignedString(epoch, 16) + " " + Long.toUnsignedString(token, 16) + "\n";
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.move(tmp, marker, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StorageException("cannot write " + marker, e);
        }
    }
}
