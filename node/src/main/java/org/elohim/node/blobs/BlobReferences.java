package org.elohim.node.blobs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a document references a blob (the spec's {@code BlobReference}): a map, anywhere in the
 * document, with {@code hash} = {@code "sha256-<hex>"} (or the CID) and optionally {@code size},
 * {@code content_type}, {@code reach}:
 * <pre>{"photo": {"hash": "sha256-9f86…", "size": 5021, "content_type": "image/jpeg", "reach": "family"}}</pre>
 * Pure: works on the document's JSON view.
 */
public final class BlobReferences {
    /** References counted per document; more are ignored (a document cannot make the index grow without bound). */
    public static final int MAX_PER_DOCUMENT = 10_000;
    private static final int MAX_DEPTH = 64;

    private BlobReferences() {
    }

    /** Blob id → content type (empty string if the reference names none) of every reference in {@code root}. */
    public static Map<BlobId, String> find(Map<String, Object> root) {
        Map<BlobId, String> out = new LinkedHashMap<>();
        walk(root, out, 0);
        return out;
    }

    private static void walk(Object node, Map<BlobId, String> out, int depth) {
        if (depth > MAX_DEPTH || out.size() >= MAX_PER_DOCUMENT) return;
        if (node instanceof Map<?, ?> m) {
            Optional<BlobId> id = m.get("hash") instanceof String s ? BlobId.parse(s) : Optional.empty();
            if (id.isPresent()) {
                Object ct = m.get("content_type");
                out.putIfAbsent(id.get(), ct instanceof String s && s.length() <= 255 ? s : "");
            }
            for (Object v : m.values()) walk(v, out, depth + 1);
        } else if (node instanceof List<?> l) {
            for (Object v : l) walk(v, out, depth + 1);
        }
    }
}
