package org.elohim.client;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.automerge.Document;

/**
 * Automerge work on a document's saved bytes. Each call loads a private Document, uses it on the
 * calling thread only, and frees its native memory before returning (0.0.7 does not free on GC).
 */
final class AutomergeBytes {
    record Result(byte[] data, List<byte[]> heads, boolean changed) {
    }

    private AutomergeBytes() {
    }

    private static Document load(byte[] data) {
        return data == null ? new Document() : Document.load(data);
    }

    static Result edit(byte[] data, Consumer<Document> edit) {
        Document doc = load(data);
        try {
            List<byte[]> before = ChangeHashes.fromAutomerge(doc.getHeads());
            edit.accept(doc);
            List<byte[]> after = ChangeHashes.fromAutomerge(doc.getHeads());
            boolean changed = !sameSet(before, after);
            return new Result(changed || data == null ? doc.save() : data, after, changed);
        } finally {
            doc.free();
        }
    }

    /** Throws (Automerge's package-private exception, a RuntimeException) for malformed bytes; nothing is changed then. */
    static Result merge(byte[] data, byte[] changes) {
        Document doc = load(data);
        try {
            List<byte[]> before = ChangeHashes.fromAutomerge(doc.getHeads());
            doc.applyEncodedChanges(changes);
            List<byte[]> after = ChangeHashes.fromAutomerge(doc.getHeads());
            boolean changed = !sameSet(before, after);
            return new Result(changed || data == null ? doc.save() : data, after, changed);
        } finally {
            doc.free();
        }
    }

    /** Changes a holder of {@code heads} is missing (hashes validated by the caller). */
    static byte[] changesSince(byte[] data, List<byte[]> heads) {
        Document doc = load(data);
        try {
            return doc.encodeChangesSince(ChangeHashes.toAutomerge(heads));
        } finally {
            doc.free();
        }
    }

    static <T> T read(byte[] data, Function<Document, T> fn) {
        Document doc = load(data);
        try {
            return fn.apply(doc);
        } finally {
            doc.free();
        }
    }

    static boolean sameSet(List<byte[]> a, List<byte[]> b) {
        return a.size() == b.size() && ChangeHashes.containsAll(a, b);
    }
}
