package org.elohim.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsWithoutAFile() {
        NodeConfig c = ConfigLoader.load(dir, Map.of(), Map.of());
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.grpcPort()).isEqualTo(9090);
        assertThat(c.p2pPort()).isEqualTo(4001);
        assertThat(c.grpcBind()).isEqualTo("0.0.0.0");
        assertThat(c.realtimeAccess()).isEqualTo(RealtimeAccess.OPEN);
        assertThat(c.dataDir()).isEqualTo(dir);
    }

    @Test
    void theWrittenDefaultFileParsesBackToTheDefaults() throws IOException {
        Files.writeString(dir.resolve(ConfigLoader.FILE_NAME), ConfigLoader.defaultFile());
        assertThat(ConfigLoader.load(dir, Map.of(), Map.of())).isEqualTo(NodeConfig.defaults(dir));
        assertThat(ConfigLoader.defaultFile()).contains("# ").contains("[http]").contains("port = 8080");
    }

    @Test
    void fileThenEnvironmentThenFlagsLaterWins() throws IOException {
        Files.writeString(dir.resolve("config.toml"), """
                [http]
                port = 1111
                [grpc]
                port = 2222
                [storage]
                cache_documents = 7
                [realtime]
                access = "paired"
                """);
        NodeConfig c = ConfigLoader.load(dir, Map.of("ELOHIM_GRPC_PORT", "3333", "ELOHIM_HTTP_PORT", "4444"),
                Map.of("http.port", "5555"));
        assertThat(c.httpPort()).isEqualTo(5555);
        assertThat(c.grpcPort()).isEqualTo(3333);
        assertThat(c.cacheDocuments()).isEqualTo(7);
        assertThat(c.realtimeAccess()).isEqualTo(RealtimeAccess.PAIRED);
    }

    @Test
    void unknownKeysWrongTypesAndOutOfRangeValuesAreRejected() throws IOException {
        Files.writeString(dir.resolve("config.toml"), "[http]\nprot = 1\n");
        assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.prot")
                .hasMessageContaining(dir.resolve("config.toml") + " line 2");
        Files.writeString(dir.resolve("config.toml"), "[http]\nport = \"80\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of(), Map.of())).hasMessageContaining("integer");
        Files.writeString(dir.resolve("config.toml"), "[http]\nport = 1.5\n");
        assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of(), Map.of())).hasMessageContaining("integer");
        Files.writeString(dir.resolve("config.toml"), "[http]\nbind = 2026-01-01\n");
        assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of(), Map.of())).hasMessageContaining("string");
        Files.writeString(dir.resolve("config.toml"), "[http]\nport = 70000\n");
        assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of(), Map.of())).hasMessageContaining("65535");
        Files.delete(dir.resolve("config.toml"));
        assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of("ELOHIM_P2P_ENABLED", "yes"), Map.of()))
                .hasMessageContaining("ELOHIM_P2P_ENABLED");
        assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of(), Map.of("realtime.access", "everyone")))
                .hasMessageContaining("open");
    }

    @Test
    void singleQuotedStringsAndSyntaxErrorsWithFileAndLine() throws IOException {
        Files.writeString(dir.resolve("config.toml"), "[http]\nbind = '127.0.0.1'\n");
        assertThat(ConfigLoader.load(dir, Map.of(), Map.of()).httpBind()).isEqualTo("127.0.0.1");
        Files.writeString(dir.resolve("config.toml"), "[http]\nbind = '127.0.0.1'\n\n[grpc\nport = 1\n");
        assertThatThrownBy(() -> ConfigLoader.load(dir, Map.of(), Map.of()))
                .hasMessageContaining(dir.resolve("config.toml") + " line 4");
    }

    @Test
    void dataDirComesFromFlagThenEnvironmentThenDefault() {
        assertThat(ConfigLoader.dataDir(Path.of("x"), Map.of("ELOHIM_DATA_DIR", "y"))).isEqualTo(Path.of("x"));
        assertThat(ConfigLoader.dataDir(null, Map.of("ELOHIM_DATA_DIR", "y"))).isEqualTo(Path.of("y"));
        assertThat(ConfigLoader.dataDir(null, Map.of())).isEqualTo(Path.of("data"));
    }

    @Test
    void ephemeralConfigIsLoopbackOnPortZeroWithoutP2p() {
        NodeConfig c = NodeConfig.ephemeral(dir);
        assertThat(c.httpPort()).isZero();
        assertThat(c.grpcPort()).isZero();
        assertThat(c.httpBind()).isEqualTo("127.0.0.1");
        assertThat(c.p2pEnabled()).isFalse();
        assertThat(NodeConfig.fromSettings(dir, c.toSettings())).isEqualTo(c);
    }
}
