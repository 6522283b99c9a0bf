package org.elohim.client;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;

/** Small Automerge helpers for tests. */
final class Docs {
    private Docs() {
    }

    static Consumer<Document> set(String key, String value) {
        return d -> {
            try (Transaction tx = d.startTransaction()) {
                tx.set(ObjectId.ROOT, key, value);
                tx.commit();
            }
        };
    }

    /** Root map as key -> string value. */
    static Map<String, String> contents(Document d) {
        Map<String, String> out = new TreeMap<>();
        for (String k : d.keys(ObjectId.ROOT).orElse(new String[0])) {
            d.get(ObjectId.ROOT, k).ifPresent(v -> out.put(k, v instanceof AmValue.Str s ? s.getValue() : v.toString()));
        }
        return out;
    }

    /** Heads as a comparable string (order-independent). */
    static String headsKey(List<byte[]> heads) {
        return heads.stream().map(Arrays::toString).sorted().toList().toString();
    }
}
