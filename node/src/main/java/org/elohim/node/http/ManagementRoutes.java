package org.elohim.node.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.StreamPosition;
import org.elohim.node.metrics.NodeMetrics;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.storage.PeerPositions;
import org.elohim.node.storage.SqliteDocumentService;
import org.elohim.node.storage.StorageStats;

/** The spec's HTTP management API (read-only, JSON) and /metrics. */
public final class ManagementRoutes {
    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;
    /** /storage/reach scans at most this many stored documents per request to fill a page. */
    static final int MAX_SCAN = 20_000;

    private final String nodeId;
    private final String version;
    private final long startedAtMillis;
    private final Path dataDir;
    private final SqliteDocumentService docs;
    private final ReachEnforcer reach;
    private final NodeMetrics metrics;
    private final SyncPeers live;

    public ManagementRoutes(String nodeId, String version, Path dataDir, SqliteDocumentService docs, ReachEnforcer reach,
                            NodeMetrics metrics, SyncPeers live) {
        this.nodeId = nodeId;
        this.version = version;
        this.startedAtMillis = System.currentTimeMillis();
        this.dataDir = dataDir;
        this.docs = docs;
        this.reach = reach;
        this.metrics = metrics;
        this.live = live;
    }

    public List<Route> routes() {
        return List.of(
                Route.get("/health", x -> health()),
                Route.get("/sync/status", x -> syncStatus()),
                Route.get("/sync/peers", x -> syncPeers()),
                Route.get("/storage/stats", x -> storageStats()),
                Route.get("/storage/reach/{level}", this::byReach),
                Route.get("/metrics", x -> HttpReply.text(200, NodeMetrics.CONTENT_TYPE, metrics.scrape())));
    }

    private HttpReply health() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("nodeId", nodeId);
        m.put("version", version);
        m.put("uptimeMillis", System.currentTimeMillis() - startedAtMillis);
        m.put("documents", docs.count());
        m.put("position", JsonViews.position(docs.position()));
        return HttpReply.json(m);
    }

    private HttpReply syncStatus() {
        StreamPosition mine = docs.position();
        Set<String> connected = live.connected();
        List<Map<String, Object>> peers = new ArrayList<>();
        for (PeerPositions.Entry e : docs.peerPositions().all()) {
            Map<String, Object> p = peer(e, connected);
            // How far behind my stream the peer is; unknown if it acknowledged another epoch.
            p.put("behind", e.acked().epoch() == mine.epoch() ? Math.max(0, mine.seq() - e.acked().seq()) : null);
            peers.add(p);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodeId", nodeId);
        m.put("position", JsonViews.position(mine));
        m.put("connected", connected.size());
        m.put("peers", peers);
        return HttpReply.json(m);
    }

    private HttpReply syncPeers() {
        Set<String> connected = live.connected();
        List<Map<String, Object>> peers = new ArrayList<>();
        for (PeerPositions.Entry e : docs.peerPositions().all()) {
            if (connected.contains(e.peerId())) peers.add(peer(e, connected));
        }
        for (String id : connected) {
            if (peers.stream().noneMatch(p -> id.equals(p.get("peerId")))) {
                peers.add(new LinkedHashMap<>(Map.of("peerId", id, "connected", true)));
            }
        }
        return HttpReply.json(Map.of("peers", peers));
    }

    private static Map<String, Object> peer(PeerPositions.Entry e, Set<String> connected) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("peerId", e.peerId());
        p.put("connected", connected.contains(e.peerId()));
        p.put("read", JsonViews.position(e.read()));
        p.put("acked", JsonViews.position(e.acked()));
        p.put("updatedAtMillis", e.updatedAtMillis());
        return p;
    }

    private HttpReply storageStats() {
        StorageStats s = docs.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("documents", s.documents());
        m.put("storedBytes", s.storedBytes());
        m.put("position", JsonViews.position(s.position()));
        m.put("changesApplied", s.changesApplied());
        m.put("changeBytesWritten", s.changeBytesWritten());
        m.put("rejectedChanges", s.rejectedChanges());
        Map<String, Object> cache = new LinkedHashMap<>();
        cache.put("hits", s.cacheHits());
        cache.put("misses", s.cacheMisses());
        cache.put("evictions", s.cacheEvictions());
        cache.put("resident", s.cachedDocuments());
        m.put("cache", cache);
        m.put("compactions", s.compactions());
        Map<String, Object> commits = new LinkedHashMap<>();
        commits.put("count", s.commits());
        commits.put("meanMillis", s.meanCommitNanos() / 1e6);
        commits.put("lastMillis", s.lastCommitNanos() / 1e6);
        m.put("commits", commits);
        m.put("databaseFileBytes", fileBytes(docs.database().file()) + fileBytes(Path.of(docs.database().file() + "-wal")));
        try {
            m.put("freeDiskBytes", Files.getFileStore(dataDir).getUsableSpace());
        } catch (IOException e) {
            m.put("freeDiskBytes", null);
        }
        return HttpReply.json(m);
    }

    private static long fileBytes(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Documents of one reach level the caller may receive. A document the caller may not receive
     * is simply absent, exactly as if it did not exist (DESIGN §6).
     */
    private HttpReply byReach(HttpExchange x) {
        Reach level = Reach.parse(x.pathParam("level"))
                .orElseThrow(() -> HttpError.badRequest("unknown reach level; use private, family, community or commons"));
        int limit = x.intParam("limit", DEFAULT_PAGE, 1, MAX_PAGE);
        String after = x.queryParam("after").orElse(null);
        List<Map<String, Object>> out = new ArrayList<>();
        String cursor = after;
        int scanned = 0;
        boolean exhausted = false;
        while (out.size() < limit && scanned < MAX_SCAN) {
            List<DocumentInfo> page = docs.list(cursor, limit, Optional.of(level), Optional.empty());
            for (DocumentInfo d : page) {
                cursor = d.docId();
                scanned++;
                if (reach.mayReceive(x.requester(), d)) {
                    out.add(JsonViews.document(d));
                    if (out.size() == limit) break;
                }
            }
            if (page.size() < limit) {
                exhausted = true;
                break;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reach", level.wireName());
        m.put("documents", out);
        // Pass as ?after= for the next page; null when the listing is complete.
        m.put("next", exhausted ? null : cursor);
        return HttpReply.json(m);
    }
}
