package org.elohim.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TomlTest {

    @Test
    void parsesTablesScalarsArraysAndComments() {
        Map<String, Object> m = Toml.parse("""
                # top comment
                name = "node # not a comment"   # trailing comment
                [http]
                port = 8_080
                bind = "0.0.0.0"
                on = true
                [p2p]
                peers = ["a", "b\\"c", 3]
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

    @ParameterizedTest
    @ValueSource(strings = {
            "port = ", "= 3", "port 3", "[http", "[[t]]", "[a.b]", "k = 'single'", "k = \"open", "k = 1.5",
            "k = [1, [2]]", "k = [1,,2]", "k = \"a\" b", "k = \"\\q\"", "k = 99999999999999999999", "a b = 1",
            "[t]\n[t]", "k = 1\nk = 2", "k = [1,\n2]", "k = nan", "k = 2026-01-01"})
    void rejectsWhatItDoesNotUnderstandWithALineNumber(String text) {
        assertThatThrownBy(() -> Toml.parse(text)).isInstanceOf(ConfigException.class).hasMessageContaining("line ");
    }

    @Test
    void rejectsOversizedInput() {
        assertThatThrownBy(() -> Toml.parse("#" + "x".repeat(Toml.MAX_BYTES))).isInstanceOf(ConfigException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomBytesNeverEscapeAsAnythingButConfigException(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String alphabet = "ab=[]\"#\\\n ,1-_.tuxe";
        for (int i = 0; i < 500; i++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(40);
            for (int j = 0; j < n; j++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            try {
                Toml.parse(sb.toString());
            } catch (ConfigException expected) {
                // fine: rejected with a message
            }
        }
    }

    @Test
    void stringEscapes() {
        assertThat(Toml.parse("k = \"a\\tb\\nc\\u00e9\\\\\"")).containsEntry("k", "a\tb\nc\u00e9\\");
    }
}
