package org.elohim.node.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a node needs to start. Built from defaults, then {@code <dataDir>/config.toml}, then
 * environment variables, then CLI flags (see {@link ConfigLoader}); every value is one
 * {@link Setting}.
 */
public record NodeConfig(Path dataDir,
                         String httpBind, int httpPort, int maxHttpRequestBytes,
                         String grpcBind, int grpcPort, int maxGrpcMessageBytes,
                         boolean p2pEnabled, String p2pBind, int p2pPort, boolean p2pQuic,
                         int cacheDocuments,
                         int materializeBudgetMb,
                         RealtimeAccess realtimeAccess,
                         String logLevel,
                         long blobQuotaBytesPerOwner, long blobGcGraceHours) {

    public NodeConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(httpBind, "httpBind");
        Objects.requireNonNull(grpcBind, "grpcBind");
        Objects.requireNonNull(p2pBind, "p2pBind");
        Objects.requireNonNull(realtimeAccess, "realtimeAccess");
        Objects.requireNonNull(logLevel, "logLevel");
        if (!java.util.List.of("error", "warn", "info", "debug", "trace").contains(logLevel.toLowerCase(java.util.Locale.ROOT))) {
            throw new ConfigException("log.level must be error, warn, info, debug or trace, not \"" + logLevel + "\"");
        }
    }

    public static final Path DEFAULT_DATA_DIR = Path.of("data");

    /** The defaults of every {@link Setting}, for {@code dataDir}. */
    public static NodeConfig defaults(Path dataDir) {
        return fromSettings(dataDir, Map.of());
    }

    /**
     * For tests: every port ephemeral (0), every listener on 127.0.0.1, no libp2p host.
     * {@code ElohimNodeRuntime.start(NodeConfig.ephemeral(tempDir))} starts a full node.
     */
    public static NodeConfig ephemeral(Path dataDir) {
        return defaults(dataDir)
                .with("http.bind", "127.0.0.1").with("http.port", "0")
                .with("grpc.bind", "127.0.0.1").with("grpc.port", "0")
                .with("p2p.bind", "127.0.0.1").with("p2p.port", "0").with("p2p.enabled", "false");
    }

    /** Builds a config from values keyed by setting key (already typed, or strings); the rest default. */
    public static NodeConfig fromSettings(Path dataDir, Map<String, ?> values) {
        Map<String, Object> v = new LinkedHashMap<>();
        for (Setting s : Setting.ALL) v.put(s.key(), s.defaultValue());
        for (Map.Entry<String, ?> e : values.entrySet()) {
            Setting s = Setting.byKey(e.getKey());
            v.put(s.key(), s.coerce(e.getValue(), "setting"));
        }
        return new NodeConfig(dataDir,
                (String) v.get("http.bind"), intOf(v, "http.port"), intOf(v, "http.max_request_bytes"),
                (String) v.get("grpc.bind"), intOf(v, "grpc.port"), intOf(v, "grpc.max_message_bytes"),
                (Boolean) v.get("p2p.enabled"), (String) v.get("p2p.bind"), intOf(v, "p2p.port"), (Boolean) v.get("p2p.quic"),
                intOf(v, "storage.cache_documents"),
                intOf(v, "storage.materialize_budget_mb"),
                RealtimeAccess.parse((String) v.get("realtime.access")),
                (String) v.get("log.level"),
                (Long) v.get("blobs.quota_bytes_per_owner"), (Long) v.get("blobs.gc_grace_hours"));
    }

    private static int intOf(Map<String, Object> v, String key) {
        return Math.toIntExact((Long) v.get(key));
    }

    /** This config as setting key → typed value (the inverse of {@link #fromSettings}). */
    public Map<String, Object> toSettings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("http.bind", httpBind);
        m.put("http.port", (long) httpPort);
        m.put("http.max_request_bytes", (long) maxHttpRequestBytes);
        m.put("grpc.bind", grpcBind);
        m.put("grpc.port", (long) grpcPort);
        m.put("grpc.max_message_bytes", (long) maxGrpcMessageBytes);
        m.put("p2p.enabled", p2pEnabled);
        m.put("p2p.bind", p2pBind);
        m.put("p2p.port", (long) p2pPort);
        m.put("p2p.quic", p2pQuic);
        m.put("storage.cache_documents", (long) cacheDocuments);
        m.put("storage.materialize_budget_mb", (long) materializeBudgetMb);
        m.put("realtime.access", realtimeAccess.wireName());
        m.put("log.level", logLevel);
        m.put("blobs.quota_bytes_per_owner", blobQuotaBytesPerOwner);
        m.put("blobs.gc_grace_hours", blobGcGraceHours);
        return m;
    }

    /** A copy with one setting changed; {@code value} is parsed like an environment variable. */
    public NodeConfig with(String key, String value) {
        Map<String, Object> m = toSettings();
        Setting s = Setting.byKey(key);
        m.put(key, s.coerce(value, "setting"));
        return fromSettings(dataDir, m);
    }

    public NodeConfig withDataDir(Path dir) {
        return fromSettings(dir, toSettings());
    }
}
