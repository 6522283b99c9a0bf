package org.elohim.node.device;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL of the "devices" component: registered devices and pending pairing tokens. */
final class DeviceTables {
    static final String COMPONENT = "devices";
    /** Version 1: one element per schema version, statements separated by ';'. */
    static final List<String> MIGRATIONS = List.of(String.join(";\n",
            "CREATE TABLE devices (device_id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL,"
                    + " public_key BLOB NOT NULL, paired_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)",
            "CREATE INDEX idx_devices_owner ON devices(owner)",
            // Only the SHA-256 of a token is stored: a copy of the database does not leak usable tokens.
            "CREATE TABLE pairing_tokens (token_hash BLOB PRIMARY KEY, owner TEXT NOT NULL,"
                    + " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER)"));

    private DeviceTables() {
    }

    static List<RegisteredDevice> all(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT device_id, owner, name, public_key, paired_at, revoked FROM devices ORDER BY paired_at, device_id");
             ResultSet rs = ps.executeQuery()) {
            List<RegisteredDevice> out = new ArrayList<>();
            while (rs.next()) out.add(row(rs));
            return out;
        }
    }

    static Optional<RegisteredDevice> find(Connection c, String deviceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT device_id, owner, name, public_key, paired_at, revoked FROM devices WHERE device_id = ?")) {
            ps.setString(1, deviceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    static void insert(Connection c, RegisteredDevice d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO devices (device_id, owner, name, public_key,"
                + " paired_at, revoked) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT(device_id) DO UPDATE SET"
                + " owner = excluded.owner, name = excluded.name, paired_at = excluded.paired_at, revoked = 0")) {
            ps.setString(1, d.deviceId());
            ps.setString(2, d.owner());
            ps.setString(3, d.name());
            ps.setBytes(4, d.publicKey());
            ps.setLong(5, d.pairedAtMillis());
            ps.executeUpdate();
        }
    }

    static boolean revoke(Connection c, String deviceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE devices SET revoked = 1 WHERE device_id = ? AND revoked = 0")) {
            ps.setString(1, deviceId);
            return ps.executeUpdate() == 1;
        }
    }

    static void insertToken(Connection c, byte[] tokenHash, String owner, long now, long expiresAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO pairing_tokens (token_hash, owner, created_at, expires_at) VALUES (?, ?, ?, ?)")) {
            ps.setBytes(1, tokenHash);
            ps.setString(2, owner);
            ps.setLong(3, now);
            ps.setLong(4, expiresAt);
            ps.executeUpdate();
        }
        // Expired tokens are useless; drop them whenever a new one is made so the table stays small.
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM pairing_tokens WHERE expires_at < ?")) {
            ps.setLong(1, now);
            ps.executeUpdate();
        }
    }

    /** Marks the token used if it is valid now; returns its owner, or empty if unknown, used or expired. */
    static Optional<String> consumeToken(Connection c, byte[] tokenHash, long now) throws SQLException {
        String owner;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT owner FROM pairing_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at >= ?")) {
            ps.setBytes(1, tokenHash);
            ps.setLong(2, now);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                owner = rs.getString(1);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE pairing_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL")) {
            ps.setLong(1, now);
            ps.setBytes(2, tokenHash);
            if (ps.executeUpdate() != 1) return Optional.empty();
        }
        return Optional.of(owner);
    }

    private static RegisteredDevice row(ResultSet rs) throws SQLException {
        return new RegisteredDevice(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getLong(5),
                rs.getInt(6) != 0);
    }
}
