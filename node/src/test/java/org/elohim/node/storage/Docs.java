package org.elohim.node.storage;

import java.util.Optional;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;

/** Test helpers to build and read small Automerge documents (map of string values at the root). */
public final class Docs {
    private Docs() {
    }

    public static void set(Document d, String key, String value) {
        try (Transaction tx = d.startTransaction()) {
            tx.set(ObjectId.ROOT, key, value);
            tx.commit();
        }
    }

    public static Optional<String> get(Document d, String key) {
        Optional<AmValue> v = d.get(ObjectId.ROOT, key);
        return v.filter(x -> x instanceof AmValue.Str).map(x -> ((AmValue.Str) x).getValue());
    }

    /** A fresh document with one key set, as saved bytes. */
    public static byte[] saved(String key, String value) {
        Document d = new Document();
        try {
            set(d, key, value);
            return d.save();
        } finally {
            d.free();
        }
    }
}
