package org.elohim.node.config;

import java.util.List;
import java.util.Locale;

/**
 * One configurable value: its config.toml key ("table.key"), type, default and the comment written
 * above it in the default file. The same key is the environment variable
 * {@code ELOHIM_<TABLE>_<KEY>} and the CLI flag {@code --setting table.key=value}.
 */
public record Setting(String key, Type type, Object defaultValue, long min, long max, String doc) {
    public enum Type { STRING, INT, BOOL }

    public static final List<Setting> ALL = List.of(
            str("http.bind", "0.0.0.0", "Address of the HTTP server (management API, /metrics, WebSocket /ws and"
                    + " automerge-repo). 0.0.0.0 = every interface: browsers and devices on the LAN connect here."),
            port("http.port", 8080, "HTTP port; 0 picks a free port (written to ports.json in the data dir)."),
            num("http.max_request_bytes", 1_048_576, 1024, 64L << 20, "Largest HTTP request body accepted (413 above)."),
            str("grpc.bind", "0.0.0.0", "Address of the gRPC device API; 0.0.0.0 so phones and laptops on the LAN reach it."),
            port("grpc.port", 9090, "gRPC port; 0 picks a free port."),
            num("grpc.max_message_bytes", 16L << 20, 1024, 256L << 20, "Largest gRPC message accepted."),
            bool("p2p.enabled", true, "Start the libp2p host (sibling nodes and other clusters)."),
            str("p2p.bind", "0.0.0.0", "Address of the libp2p TCP listener."),
            port("p2p.port", 4001, "libp2p port; 0 picks a free port."),
            bool("p2p.quic", false, "Also listen for libp2p over QUIC on UDP (/udp/<p2p.port>/quic-v1; its own free"
                    + " port when p2p.port is 0)."),
            num("storage.cache_documents", 256, 1, 1_000_000,
                    "Documents whose change graph stays cached in memory; idle ones are evicted."),
            num("storage.materialize_budget_mb", 2, 1, 1_000_000,
                    "Stored size (MB) of the documents the CRDT engine may build at once, for content views,"
                            + " the node's own edits and compaction (the engine takes up to ~500x that in native"
                            + " memory for text). Larger documents still sync; their content views answer an error."),
            str("realtime.access", "open", "Who may open a WebSocket session: \"open\" (anyone; unauthenticated"
                    + " sessions are anonymous and receive commons documents only) or \"paired\" (paired devices only)."),
            num("blobs.quota_bytes_per_owner", 0, 0, Long.MAX_VALUE, "Blob bytes each family member may store"
                    + " (uploads in progress count); 0 = no quota."),
            num("blobs.gc_grace_hours", 168, 0, 100_000, "Hours a blob no document references (and an unfinished"
                    + " upload) is kept before it is collected."),
            str("log.level", "info", "Log level of the node: error, warn, info, debug, trace."));

    public static Setting byKey(String key) {
        for (Setting s : ALL) if (s.key.equals(key)) return s;
        throw new ConfigException("unknown setting \"" + key + "\" (known: "
                + String.join(", ", ALL.stream().map(Setting::key).toList()) + ")");
    }

    public String envName() {
        return "ELOHIM_" + key.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /** Converts a typed value, or text from env/flags, to this setting's type, checking bounds. */
    public Object coerce(Object raw, String source) {
        return coerce(raw, source, true);
    }

    /** A TOML value must already have the right type: {@code port = "80"} is an error, not 80. */
    public Object coerceTyped(Object raw, String source) {
        return coerce(raw, source, false);
    }

    private Object coerce(Object raw, String source, boolean textAllowed) {
        if (!textAllowed && type != Type.STRING && raw instanceof String) {
            throw bad("\"" + raw + "\"", source, type == Type.BOOL ? "true or false (unquoted)" : "an integer (unquoted)");
        }
        switch (type) {
            case STRING -> {
                if (!(raw instanceof String s)) throw bad(raw, source, "a string");
                return s;
            }
            case BOOL -> {
                if (raw instanceof Boolean b) return b;
                if (raw instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                    return Boolean.parseBoolean(s);
                }
                throw bad(raw, source, "true or false");
            }
            default -> {
                long v;
                if (raw instanceof Long l) {
                    v = l;
                } else if (raw instanceof String s) {
                    try {
                        v = Long.parseLong(s.trim().replace("_", ""));
                    } catch (NumberFormatException e) {
                        throw bad(raw, source, "an integer");
                    }
                } else {
                    throw bad(raw, source, "an integer");
                }
                if (v < min || v > max) throw bad(raw, source, "an integer in [" + min + ", " + max + "]");
                return v;
            }
        }
    }

    private ConfigException bad(Object raw, String source, String expected) {
        return new ConfigException(source + ": " + key + " must be " + expected + ", not " + raw);
    }

    private static Setting str(String key, String def, String doc) {
        return new Setting(key, Type.STRING, def, 0, 0, doc);
    }

    private static Setting bool(String key, boolean def, String doc) {
        return new Setting(key, Type.BOOL, def, 0, 0, doc);
    }

    private static Setting port(String key, int def, String doc) {
        return new Setting(key, Type.INT, (long) def, 0, 65535, doc);
    }

    private static Setting num(String key, long def, long min, long max, String doc) {
        return new Setting(key, Type.INT, def, min, max, doc);
    }
}
