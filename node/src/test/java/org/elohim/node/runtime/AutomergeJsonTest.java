package org.elohim.node.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.automerge.Document;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

class AutomergeJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, Object> roundTrip(String json) throws Exception {
        Document doc = new Document();
        try {
            Transaction tx = doc.startTransaction();
            AutomergeJson.writeRoot(tx, JSON.readTree(json));
            tx.commit();
            // through save/load, as the node stores it
            Document loaded = Document.load(doc.save());
            try {
                return AutomergeJson.toJson(loaded);
            } finally {
                loaded.free();
            }
        } finally {
            doc.free();
        }
    }

    @Test
    void jsonSurvivesTheTripThroughAutomerge() throws Exception {
        String json = "{\"title\":\"Groceries\",\"count\":-2,\"price\":2.5,\"done\":false,\"none\":null,"
                + "\"items\":[\"milk\",{\"qty\":3},[true]],\"nested\":{\"a\":{\"b\":\"c\"}}}";
        JsonNode back = JSON.readTree(JSON.writeValueAsString(roundTrip(json))); // re-read: Long -> IntNode
        assertThat(back).isEqualTo(JSON.readTree(json));
        // integers stay integers (automerge 0.0.7's NewValue.integer would have stored a float)
        assertThat(back.get("count").isIntegralNumber()).isTrue();
    }

    @Test
    void integersBeyond32BitsKeepTheirValueAsJavaScriptNumbers() throws Exception {
        // setUint in 0.0.7 would keep only the low 32 bits (2^32 + 5 -> 5); doubles are exact to 2^53
        JsonNode back = JSON.valueToTree(roundTrip("{\"big\":4294967301,\"neg\":-4294967301,\"list\":[4294967301]}"));
        assertThat(back.get("big").asLong()).isEqualTo(4294967301L);
        assertThat(back.get("neg").asLong()).isEqualTo(-4294967301L);
        assertThat(back.get("list").get(0).asLong()).isEqualTo(4294967301L);
    }

    @Test
    void onlyObjectsMayBeWrittenAndNestingIsBounded() {
        Document doc = new Document();
        try {
            Transaction tx = doc.startTransaction();
            assertThatThrownBy(() -> AutomergeJson.writeRoot(tx, JSON.readTree("[1,2]")))
                    .isInstanceOf(IllegalArgumentException.class);
            String deep = "{\"a\":".repeat(AutomergeJson.MAX_DEPTH + 1) + "1" + "}".repeat(AutomergeJson.MAX_DEPTH + 1);
            assertThatThrownBy(() -> AutomergeJson.writeRoot(tx, JSON.readTree(deep)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deeper");
            tx.rollback();
        } finally {
            doc.free();
        }
    }
}
