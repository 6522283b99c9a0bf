package org.elohim.node.grpc;

import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;

/** Real Automerge bytes for tests. */
final class AutomergeFixtures {
    private AutomergeFixtures() {
    }

    /** A saved document with one change setting {@code key} to {@code value}. */
    static byte[] docWith(String key, String value) {
        Document d = new Document();
        try {
            try (Transaction tx = d.startTransaction()) {
                tx.set(ObjectId.ROOT, key, value);
                tx.commit();
            }
            return d.save();
        } finally {
            d.free();
        }
    }

    static String valueOf(byte[] saved, String key) {
        Document d = Document.load(saved);
        try {
            return d.get(ObjectId.ROOT, key).map(v -> ((org.automerge.AmValue.Str) v).getValue()).orElse(null);
        } finally {
            d.free();
        }
    }
}
