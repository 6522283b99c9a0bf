package org.elohim.node.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.automerge.Transaction;
import org.elohim.node.docs.ApplyResult;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.http.JsonViews;
import org.elohim.node.reach.Reach;
import org.elohim.node.storage.Database;

/**
 * What the node's operator may do: mint pairing tokens, read and write documents without reach
 * limits. Answers are JSON-ready maps. Reached through the running node's local admin API, or
 * directly on the data directory when no node is running (the CLI picks).
 */
public final class AdminOperations {
    public static final String ORIGIN = "admin";
    public static final int MAX_PAGE = 1000;

    private final NodeStorage storage;

    private final List<String> deviceAddresses;

    public AdminOperations(NodeStorage storage) {
        this(storage, List.of());
    }

    /** {@code deviceAddresses}: where devices reach the running node's gRPC API (told with every pairing token). */
    public AdminOperations(NodeStorage storage, List<String> deviceAddresses) {
        this.storage = storage;
        this.deviceAddresses = List.copyOf(deviceAddresses);
    }

    public Map<String, Object> pairingToken(String owner, Duration ttl) {
        String token = storage.pairing().createToken(owner, ttl);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("token", token);
        m.put("owner", owner);
        m.put("expiresAt", Instant.now().plus(ttl).toString());
        m.put("nodeId", storage.nodeId());
        if (!deviceAddresses.isEmpty()) m.put("addresses", deviceAddresses);
        return m;
    }

    /**
     * Writes {@code content}'s fields at the document root (creating it with owner/reach if new);
     * returns after the change is committed.
     */
    public Map<String, Object> putDocument(String docId, String owner, Reach reachIfNew, JsonNode content) {
        if (content == null || !content.isObject()) throw new IllegalArgumentException("content must be a JSON object");
        ApplyResult r = Database.join(storage.documents().edit(docId, owner, reachIfNew, doc -> {
            Transaction tx = doc.startTransaction();
            try {
                AutomergeJson.writeRoot(tx, content);
                tx.commit();
            } catch (RuntimeException e) {
                tx.rollback();
                throw e;
            }
        }, ORIGIN));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("docId", r.docId());
        m.put("changed", r.changed());
        m.put("seq", r.seq());
        m.put("heads", JsonViews.heads(r.heads()));
        storage.documents().info(docId).ifPresent(i -> {
            m.put("owner", i.owner());
            m.put("reach", i.reach().wireName());
        });
        return m;
    }

    public Optional<Map<String, Object>> getDocument(String docId) {
        Optional<DocumentInfo> info = storage.documents().info(docId);
        if (info.isEmpty()) return Optional.empty();
        Optional<Map<String, Object>> content;
        try {
            content = storage.documents().read(docId, AutomergeJson::toJson).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof org.elohim.node.docs.ContentUnavailable u) throw u; // says why
            throw e;
        }
        if (content.isEmpty()) return Optional.empty();
        Map<String, Object> m = JsonViews.document(info.get());
        m.put("content", content.get());
        return Optional.of(m);
    }

    public Map<String, Object> listDocuments(String after, int limit, Optional<Reach> reach, Optional<String> owner) {
        int n = Math.max(1, Math.min(MAX_PAGE, limit));
        List<DocumentInfo> page = storage.documents().list(after, n, reach, owner);
        List<Map<String, Object>> docs = new ArrayList<>();
        for (DocumentInfo d : page) docs.add(JsonViews.document(d));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("documents", docs);
        m.put("next", page.size() < n ? null : page.get(page.size() - 1).docId());
        return m;
    }

    /**
     * Writes a consistent, flagged copy of the database (VACUUM INTO; the node keeps serving) as
     * {@code backup-snapshot-<random>.db} in the data directory, for {@code backup} to archive.
     */
    public Map<String, Object> snapshotDatabase() {
        java.nio.file.Path dir = storage.database().file().toAbsolutePath().getParent();
        byte[] r = new byte[8];
        new java.security.SecureRandom().nextBytes(r);
        java.nio.file.Path target = dir.resolve("backup-snapshot-" + java.util.HexFormat.of().formatHex(r) + ".db");
        storage.documents().backupTo(target);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", target.toString());
        try {
            m.put("bytes", java.nio.file.Files.size(target));
        } catch (java.io.IOException e) {
            throw new org.elohim.node.storage.StorageException("snapshot " + target + " vanished", e);
        }
        m.put("nodeId", storage.nodeId());
        return m;
    }

    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodeId", storage.nodeId());
        m.put("version", NodeVersion.get());
        m.put("documents", storage.documents().count());
        m.put("position", JsonViews.position(storage.documents().position()));
        m.put("devices", storage.devices().list().stream().filter(d -> !d.revoked()).count());
        return m;
    }
}
