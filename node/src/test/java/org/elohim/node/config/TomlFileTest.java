package org.elohim.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TomlFileTest {

    private static Map<String, Object> values(String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        TomlFile.parse("config.toml", text).forEach((k, v) -> m.put(k, v.value()));
        return m;
    }

    @Test
    void parsesTablesScalarsArraysCommentsAndSingleQuotedStrings() {
        Map<String, Object> m = values("""
                # top comment
                name = "node # not a comment"   # trailing comment
                [http]
                port = 8_080
                bind = '0.0.0.0'
                on = true
                [p2p]
                peers = ["a", 'b"c', 3]
                off = false
                neg = -5
                """);
        assertThat(m).containsEntry("name", "node # not a comment")
                .containsEntry("http.port", 8080L)
                .containsEntry("http.bind", "0.0.0.0")
                .containsEntry("http.on", true)
                .containsEntry("p2p.peers", List.of("a", "b\"c", 3L))
                .containsEntry("p2p.off", false)
                .containsEntry("p2p.neg", -5L);
    }

    @Test
    void dottedKeysAndInlineTablesFlattenToTheSameKeys() {
        assertThat(values("http.port = 1\ngrpc = { port = 2 }\n[p2p]\n\"bind\" = 'x'\n"))
                .containsEntry("http.port", 1L).containsEntry("grpc.port", 2L).containsEntry("p2p.bind", "x");
    }

    @Test
    void everyValueKnowsItsLine() {
        Map<String, TomlFile.Entry> m = TomlFile.parse("c.toml", "\n[http]\n# c\nport = 1\n\n[grpc]\nport = 2\n");
        assertThat(m.get("http.port").line()).isEqualTo(4);
        assertThat(m.get("grpc.port").line()).isEqualTo(7);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "port = ", "= 3", "port 3", "[http", "k = \"open", "k = [1,,2]", "k = \"a\" b", "k = \"\\q\"",
            "a b = 1", "[t]\n[t]", "k = 1\nk = 2", "k = nan x", "x = 1\n\n[http]\nport = = 3"})
    void syntaxErrorsNameTheFileAndTheLine(String text) {
        assertThatThrownBy(() -> TomlFile.parse("/etc/elohim/config.toml", text)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("/etc/elohim/config.toml line ");
    }

    @Test
    void theLineOfASyntaxErrorIsTheRightOne() {
        assertThatThrownBy(() -> TomlFile.parse("c.toml", "x = 1\n\n[http]\nport = = 3\n"))
                .hasMessageStartingWith("c.toml line 4");
    }

    @Test
    void hugeIntegersAreRejected() {
        assertThatThrownBy(() -> TomlFile.parse("c.toml", "k = 99999999999999999999")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("c.toml line 1");
    }

    @Test
    void rejectsOversizedInput() {
        assertThatThrownBy(() -> TomlFile.parse("c.toml", "#" + "x".repeat(TomlFile.MAX_BYTES)))
                .isInstanceOf(ConfigException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomBytesNeverEscapeAsAnythingButConfigException(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String alphabet = "ab=[]{}\"'#\\\n ,1-_.tuxe";
        for (int i = 0; i < 500; i++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(40);
            for (int j = 0; j < n; j++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            try {
                TomlFile.parse("c.toml", sb.toString());
            } catch (ConfigException expected) {
                // fine: rejected with a message
            }
        }
    }

    @Test
    void stringEscapes() {
        assertThat(values("k = \"a\\tb\\nc\\u00e9\\\\\"\nl = 'C:\\path'")).containsEntry("k", "a\tb\nc\u00e9\\")
                .containsEntry("l", "C:\\path");
    }
}
