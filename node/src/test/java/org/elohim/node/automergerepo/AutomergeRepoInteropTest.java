package org.elohim.node.automergerepo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.realtime.RealtimeEndpoints;
import org.elohim.node.realtime.RealtimePolicy;
import org.elohim.node.reach.Reach;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stock {@code @automerge/automerge-repo} 2.5.6 clients (Node, pinned in interop/automerge) against
 * a real node: SQLite storage, the node's HTTP server, the automerge-repo endpoint on 127.0.0.1.
 */
class AutomergeRepoInteropTest {
    @TempDir
    Path dir;

    private static ElohimNodeRuntime start(Path dataDir, String access) {
        return ElohimNodeRuntime.builder(NodeConfig.ephemeral(dataDir).with("realtime.access", access))
                .webSockets(RealtimeEndpoints::create).start();
    }

    private static String url(ElohimNodeRuntime node) {
        return "ws://127.0.0.1:" + node.ports().http() + AutomergeRepoEndpoint.DEFAULT_PATH;
    }

    @Test
    void stockClientsCreateFindEditRelayAndGetUnavailable() throws Exception {
        NodeScripts.requireInstalled();
        try (ElohimNodeRuntime node = start(dir, "open")) {
            NodeScripts.Result r = NodeScripts.runOk(90, "scenario-basic.mjs", url(node));
            assertThat(r.lines("OK ")).extracting(l -> l.split(" ")[1]).containsExactly("create-on-A-find-on-B",
                    "concurrent-edits-converge", "ephemeral-relays", "unknown-doc-unavailable");
            // the automerge-repo document IS the node document, created anonymously => commons
            String docUrl = r.lines("OK create-on-A-find-on-B").get(0).replaceAll(".*\"url\":\"([^\"]+)\".*", "$1");
            String id = DocumentUrl.parse(docUrl).orElseThrow().documentId();
            DocumentInfo info = node.storage().documents().info(id).orElseThrow();
            assertThat(info.owner()).isEqualTo(RealtimePolicy.ANONYMOUS_OWNER);
            assertThat(info.reach()).isEqualTo(Reach.COMMONS);
            assertThat(node.storage().documents().read(id, d -> d.length(
                    ((org.automerge.AmValue.List) d.get(org.automerge.ObjectId.ROOT, "items").orElseThrow()).getId()))
                    .join()).hasValue(40L);
        }
    }

    @Test
    void thousandDocumentsEachWay() throws Exception {
        NodeScripts.requireInstalled();
        try (ElohimNodeRuntime node = start(dir, "open")) {
            NodeScripts.Result r = NodeScripts.runOk(180, "scenario-bulk.mjs", url(node), "1000");
            assertThat(r.lines("OK ")).hasSize(2);
            assertThat(node.storage().documents().count()).isEqualTo(2000);
        }
    }

    /**
     * A 5 MB text document goes through the node without the node building it: the node stores its
     * change, serves it to the second client, and (over the default 2 MB materialize budget)
     * answers a content view with an error that says why.
     */
    @Test
    @Tag("slow") // ~30 s on a quiet machine, minutes when the cores are shared: run with -Pslow
    @org.junit.jupiter.api.Timeout(300)
    void fiveMegabyteTextDocumentSyncsWithoutMaterializing() throws Exception {
        NodeScripts.requireInstalled();
        try (ElohimNodeRuntime node = start(dir, "open")) {
            NodeScripts.Result r = NodeScripts.runOk(250, "scenario-large.mjs", url(node), "text", "5");
            String id = documentIdOf(r.lines("OK text").get(0));
            DocumentInfo info = node.storage().documents().info(id).orElseThrow();
            assertThat(info.sizeBytes()).isGreaterThan(5L * 1024 * 1024);
            assertThatThrownBy(() -> node.storage().documents().read(id, d -> 1).join())
                    .hasCauseInstanceOf(org.elohim.node.docs.ContentUnavailable.class)
                    .hasMessageContaining("materialize_budget_mb");
        }
    }

    @Test
    @Tag("slow")
    @org.junit.jupiter.api.Timeout(300)
    void twentyThousandChangeDocumentSyncs() throws Exception {
        NodeScripts.requireInstalled();
        // ~2 MB of changes: a budget above it, so the content view below can be built.
        try (ElohimNodeRuntime node = ElohimNodeRuntime.builder(NodeConfig.ephemeral(dir)
                .with("realtime.access", "open").with("storage.materialize_budget_mb", "8"))
                .webSockets(RealtimeEndpoints::create).start()) {
            NodeScripts.Result r = NodeScripts.runOk(250, "scenario-large.mjs", url(node), "changes", "20000");
            String line = r.lines("OK changes").get(0);
            String id = documentIdOf(line);
            String head = line.replaceAll(".*\"heads\":\\[\"([0-9a-f]{64})\"\\].*", "$1");
            assertThat(node.storage().documents().containsHeads(id, List.of(java.util.HexFormat.of().parseHex(head))))
                    .isTrue();
            assertThat(node.storage().documents().read(id, d -> d.get(org.automerge.ObjectId.ROOT, "n")
                    .map(Object::toString).orElse("")).join().orElseThrow()).contains("19999");
        }
    }

    private static String documentIdOf(String okLine) {
        String docUrl = okLine.replaceAll(".*\"url\":\"([^\"]+)\".*", "$1");
        return DocumentUrl.parse(docUrl).orElseThrow().documentId();
    }

    @Test
    void badInputGetsClearErrorsAndLeavesTheNodeServing() throws Exception {
        NodeScripts.requireInstalled();
        try (ElohimNodeRuntime node = start(dir, "open")) {
            NodeScripts.Result r = NodeScripts.runOk(90, "scenario-bad-input.mjs", url(node),
                    Integer.toString(RepoMessageCodec.DEFAULT_MAX_FRAME_BYTES));
            assertThat(r.lines("OK ")).extracting(l -> l.split(" ")[1]).contains("peer-frame-decodes-in-cbor-x",
                    "wrong-protocol-version", "malformed-cbor", "junk-sync-bytes", "join-flood", "subscription-flood",
                    "oversized-frame", "node-unaffected", "keep-alive-ping");
        }
    }

    @Test
    void nodeRestartLosesNothingAndClientRestartResumes() throws Exception {
        NodeScripts.requireInstalled();
        String docUrl;
        try (ElohimNodeRuntime node = start(dir, "open")) {
            docUrl = NodeScripts.runOk(60, "scenario-restart.mjs", "write", url(node)).value("URL");
        }
        try (ElohimNodeRuntime node = start(dir, "open")) {
            NodeScripts.runOk(60, "scenario-restart.mjs", "read", url(node), docUrl, "survives restarts");
            NodeScripts.Result r = NodeScripts.runOk(60, "scenario-restart.mjs", "resume", url(node));
            assertThat(r.stdout()).contains("client-restart-resumes").contains("while-away");
        }
    }

    @Test
    void silentSocketsAreDroppedByTheKeepAlive() throws Exception {
        NodeScripts.requireInstalled();
        // the same endpoint as in production, with a 300 ms keep-alive so the test is quick
        try (ElohimNodeRuntime node = ElohimNodeRuntime.builder(NodeConfig.ephemeral(dir).with("realtime.access", "open"))
                .webSockets(ctx -> java.util.List.of(new AutomergeRepoEndpoint(AutomergeRepoEndpoint.DEFAULT_PATH,
                        ctx.documents(), new RealtimePolicy(ctx.reach()),
                        new org.elohim.node.realtime.RealtimeAuthentication(ctx.config().realtimeAccess(), ctx.authenticator()),
                        SyncStateStore.inMemory(), ctx.nodeId(), RepoMessageCodec.DEFAULT_MAX_FRAME_BYTES, 300,
                        RepoHub.Limits.defaults())))
                .start()) {
            NodeScripts.Result r = NodeScripts.runOk(30, "scenario-keepalive.mjs", url(node));
            assertThat(r.stdout()).contains("OK dead-socket-dropped");
        }
    }

    @Test
    void pairedModeAppliesReachToRealClients() throws Exception {
        NodeScripts.requireInstalled();
        try (ElohimNodeRuntime node = start(dir, "paired")) {
            TestDevices.Device a = TestDevices.pair(node.storage().pairing(), "alice", "laptop");
            TestDevices.Device b = TestDevices.pair(node.storage().pairing(), "alice", "phone");
            TestDevices.Device c = TestDevices.pair(node.storage().pairing(), "mallory", "tablet");
            String base = "ws://127.0.0.1:" + node.ports().http();
            String path = AutomergeRepoEndpoint.DEFAULT_PATH;
            NodeScripts.Result r = NodeScripts.runOk(60, "scenario-paired.mjs", a.signedUrl(base, path),
                    b.signedUrl(base, path), c.signedUrl(base, path));
            String id = DocumentUrl.parse(r.value("URL")).orElseThrow().documentId();
            DocumentInfo info = node.storage().documents().info(id).orElseThrow();
            assertThat(info.owner()).isEqualTo("alice");
            assertThat(info.reach()).isEqualTo(Reach.PRIVATE);
            // unauthenticated clients are refused at the upgrade in paired mode
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.util.concurrent.CompletableFuture<java.net.http.WebSocket> ws = http.newWebSocketBuilder()
                    .buildAsync(java.net.URI.create(base + path), new java.net.http.WebSocket.Listener() {
                    });
            assertThat(ws).failsWithin(java.time.Duration.ofSeconds(5)).withThrowableThat()
                    .havingRootCause().withMessageContaining("401");
        }
    }
}
