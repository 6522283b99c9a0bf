package org.elohim.node.blobs;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON views of blobs for the operator (CLI, local admin API). */
public final class BlobViews {
    private BlobViews() {
    }

    public static Map<String, Object> summary(BlobInfo info) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", info.id().toString());
        m.put("cid", info.id().cid());
        m.put("size", info.size());
        m.put("contentType", info.contentType());
        m.put("createdAt", Instant.ofEpochMilli(info.createdAtMillis()).toString());
        return m;
    }

    public static Map<String, Object> stat(BlobStore store, BlobInfo info) {
        Map<String, Object> m = summary(info);
        m.put("chunks", info.chunkCount());
        m.put("chunkSize", Manifest.CHUNK_SIZE);
        m.put("owners", store.owners(info.id()).stream().map(o -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("owner", o.owner());
            x.put("reach", o.reach().wireName());
            x.put("contentType", o.contentType());
            x.put("uploadedAt", Instant.ofEpochMilli(o.createdAtMillis()).toString());
            return x;
        }).toList());
        m.put("referencedBy", List.copyOf(store.references(info.id(), 100).keySet()));
        return m;
    }

    /** One page of blobs by id: {"blobs": [...], "next": id or absent}. */
    public static Map<String, Object> page(BlobStore store, String after, int limit) {
        List<BlobInfo> page = store.list(after, limit);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("blobs", page.stream().map(i -> {
            Map<String, Object> s = summary(i);
            s.put("owners", store.owners(i.id()).stream().map(BlobOwnership::owner).toList());
            return s;
        }).toList());
        if (page.size() == limit) m.put("next", page.get(page.size() - 1).id().toString());
        return m;
    }
}
