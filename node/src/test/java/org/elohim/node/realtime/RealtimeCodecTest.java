package org.elohim.node.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RealtimeCodecTest {
    private final RealtimeCodec codec = new RealtimeCodec();

    @Test
    void decodesTheSpecMessages() throws Exception {
        assertThat(codec.decode("{\"type\":\"subscribe\",\"doc_ids\":[\"doc1\",\"doc2\"]}"))
                .isEqualTo(new RealtimeMessage.Subscribe(List.of("doc1", "doc2")));
        assertThat(codec.decode("{\"type\":\"unsubscribe\",\"doc_ids\":[\"doc1\"]}"))
                .isEqualTo(new RealtimeMessage.Unsubscribe(List.of("doc1")));
        RealtimeMessage.Change c = (RealtimeMessage.Change) codec.decode(
                "{\"type\":\"change\",\"doc_id\":\"d\",\"changes\":\"" + Base64.getEncoder().encodeToString(new byte[]{1, 2}) + "\"}");
        assertThat(c.docId()).isEqualTo("d");
        assertThat(c.changes()).containsExactly(1, 2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "[]", "42", "{\"doc_ids\":[]}", "{\"type\":\"subscribe\"}",
            "{\"type\":\"subscribe\",\"doc_ids\":[1]}", "{\"type\":\"subscribe\",\"doc_ids\":[\"\"]}",
            "{\"type\":\"change\",\"doc_id\":\"d\"}", "{\"type\":\"change\",\"doc_id\":\"d\",\"changes\":\"@@@\"}",
            "{\"type\":\"change\",\"doc_id\":\"d\",\"changes\":\"\"}", "{\"type\":\"launch\"}"})
    void rejectsBadInputWithACode(String text) {
        assertThatThrownBy(() -> codec.decode(text)).isInstanceOf(RealtimeCodec.Invalid.class)
                .satisfies(e -> assertThat(((RealtimeCodec.Invalid) e).code())
                        .isIn("malformed_json", "invalid_message", "unknown_type"));
    }

    @Test
    void boundsDocIdsPerMessage() {
        String ids = String.join(",", java.util.Collections.nCopies(RealtimeCodec.MAX_DOC_IDS_PER_MESSAGE + 1, "\"x\""));
        assertThatThrownBy(() -> codec.decode("{\"type\":\"subscribe\",\"doc_ids\":[" + ids + "]}"))
                .satisfies(e -> assertThat(((RealtimeCodec.Invalid) e).code()).isEqualTo("too_many"));
    }

    @Test
    void encodesServerMessages() throws Exception {
        ObjectMapper m = new ObjectMapper();
        JsonNode change = m.readTree(codec.change("doc1", new byte[]{9}, List.of(new byte[]{(byte) 0xab})));
        assertThat(change.get("type").asText()).isEqualTo("change");
        assertThat(change.get("doc_id").asText()).isEqualTo("doc1");
        assertThat(Base64.getDecoder().decode(change.get("changes").asText())).containsExactly(9);
        assertThat(change.get("heads").get(0).asText()).isEqualTo("ab");
        JsonNode err = m.readTree(codec.error("not_found", "no such document", "d"));
        assertThat(err.get("type").asText()).isEqualTo("error");
        assertThat(err.get("code").asText()).isEqualTo("not_found");
    }
}
