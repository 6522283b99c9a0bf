package org.elohim.node.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code manifest.json}, the last entry of a backup archive: what the archive holds, with the size
 * and SHA-256 of every file, so that a restore verifies each byte before it replaces anything.
 */
public record BackupManifest(int format, String nodeId, String createdAt, String nodeVersion, List<Item> items) {
    public static final int FORMAT = 1;
    public static final String ENTRY = "manifest.json";
    /** A manifest larger than this is not a manifest (a million blobs fit in far less). */
    static final int MAX_BYTES = 64 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One archived file: its entry name (e.g. {@code node.db}, {@code blobs/ab/cd...}), size and SHA-256 (hex). */
    public record Item(String name, long size, String sha256) {
    }

    public long totalBytes() {
        return items.stream().mapToLong(Item::size).sum();
    }

    byte[] toJson() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", format);
        root.put("nodeId", nodeId);
        root.put("createdAt", createdAt);
        root.put("nodeVersion", nodeVersion);
        ArrayNode arr = root.putArray("items");
        for (Item i : items) arr.addObject().put("name", i.name()).put("size", i.size()).put("sha256", i.sha256());
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }

    static BackupManifest parse(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new BackupException("the archive's manifest is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new BackupException("the archive's manifest is not a JSON object");
        int format = root.path("format").asInt(-1);
        if (format != FORMAT) {
            throw new BackupException("unsupported backup format " + root.path("format") + " (this version reads " + FORMAT + ")");
        }
        List<Item> items = new ArrayList<>();
        for (JsonNode i : root.path("items")) {
            String name = i.path("name").asText("");
            long size = i.path("size").asLong(-1);
            String sha = i.path("sha256").asText("");
            if (size < 0 || !sha.matches("[0-9a-f]{64}")) throw new BackupException("bad manifest item " + i);
            items.add(new Item(BackupLayout.checkName(name), size, sha));
        }
        return new BackupManifest(format, root.path("nodeId").asText(""), root.path("createdAt").asText(""),
                root.path("nodeVersion").asText(""), List.copyOf(items));
    }
}
