package org.elohim.node.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.GetDocumentRequest;
import org.elohim.api.v1.PutDocumentRequest;
import org.elohim.api.v1.PutDocumentResponse;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.reach.Reach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole node in-process on ephemeral ports: HTTP API over a real socket, reach per requester, gRPC wiring, lifecycle. */
class ElohimNodeRuntimeTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    ElohimNodeRuntime node;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        node = ElohimNodeRuntime.start(NodeConfig.ephemeral(dir));
    }

    @AfterEach
    void stop() {
        if (node != null) node.close();
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.ports().http() + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode json(String path, String... headers) throws Exception {
        HttpResponse<String> r = get(path, headers);
        assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static List<String> ids(JsonNode listing) {
        List<String> out = new ArrayList<>();
        for (JsonNode d : listing.path("documents")) out.add(d.path("docId").asText());
        return out;
    }

    void put(String id, String owner, Reach reach) {
        node.storage().documents().edit(id, owner, reach, d -> {
            Transaction tx = d.startTransaction();
            tx.set(ObjectId.ROOT, "id", 1);
            tx.commit();
        }, "test").join();
    }

    @Test
    void bindsEphemeralPortsAndAdvertisesThemInPortsJson() throws Exception {
        assertThat(node.ports().http()).isPositive();
        assertThat(node.ports().grpc()).isPositive().isNotEqualTo(node.ports().http());
        PortsFile.Contents c = PortsFile.read(node.files().ports()).orElseThrow();
        assertThat(c.ports()).isEqualTo(node.ports());
        assertThat(c.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(c.nodeId()).isEqualTo(node.nodeId()).startsWith("12D3KooW");
        assertThat(Files.exists(dir.resolve("node.key"))).isTrue();
        assertThat(Files.exists(dir.resolve("node.db"))).isTrue();
    }

    @Test
    void healthStatusStatsAndMetricsAnswerJsonAndPrometheus() throws Exception {
        put("d1", "alice", Reach.COMMONS);
        JsonNode health = json("/health");
        assertThat(health.path("status").asText()).isEqualTo("ok");
        assertThat(health.path("nodeId").asText()).isEqualTo(node.nodeId());
        assertThat(health.path("documents").asLong()).isEqualTo(1);
        assertThat(health.path("position").path("seq").asLong()).isEqualTo(1);
        assertThat(health.path("position").path("epoch").asText()).hasSize(16);

        node.storage().documents().peerPositions().setAcked("dev-peer",
                new org.elohim.node.docs.StreamPosition(node.storage().documents().epoch(), 0)).join();
        JsonNode sync = json("/sync/status");
        assertThat(sync.path("peers").get(0).path("peerId").asText()).isEqualTo("dev-peer");
        assertThat(sync.path("peers").get(0).path("behind").asLong()).isEqualTo(1);
        assertThat(json("/sync/peers").path("peers").size()).isZero(); // known but not connected

        JsonNode stats = json("/storage/stats");
        assertThat(stats.path("documents").asLong()).isEqualTo(1);
        assertThat(stats.path("commits").path("count").asLong()).isPositive();
        assertThat(stats.path("databaseFileBytes").asLong()).isPositive();

        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(metrics.body()).contains("elohim_storage_commit_seconds_count", "elohim_storage_documents 1.0",
                "elohim_sync_stream_seq 1.0", "elohim_storage_cache_hits_total", "elohim_storage_cache_evictions_total",
                "elohim_storage_stored_bytes", "jvm_memory_used_bytes");
    }

    @Test
    void reachListingShowsEachRequesterOnlyWhatItMayReceive() throws Exception {
        TestDevice alice = new TestDevice().pairWith(node.storage(), "alice");
        TestDevice bob = new TestDevice().pairWith(node.storage(), "bob"); // bob is family: he has a device here
        put("a-private", "alice", Reach.PRIVATE);
        put("a-family", "alice", Reach.FAMILY);
        put("a-community", "alice", Reach.COMMUNITY);
        put("a-commons", "alice", Reach.COMMONS);

        // anonymous: commons only; other levels look empty, exactly like levels with no documents
        assertThat(ids(json("/storage/reach/private"))).isEmpty();
        assertThat(ids(json("/storage/reach/family"))).isEmpty();
        assertThat(ids(json("/storage/reach/community"))).isEmpty();
        assertThat(ids(json("/storage/reach/commons"))).containsExactly("a-commons");

        String p = "/storage/reach/private";
        assertThat(ids(json(p, alice.httpHeaders(p)))).containsExactly("a-private");
        assertThat(ids(json(p, bob.httpHeaders(p)))).isEmpty();
        String f = "/storage/reach/family";
        assertThat(ids(json(f, bob.httpHeaders(f)))).containsExactly("a-family");

        // headers that do not verify are an error, not a silent downgrade to anonymous
        String[] forged = alice.httpHeaders("/storage/reach/commons"); // signed for another path
        assertThat(get(p, forged).statusCode()).isEqualTo(401);
        assertThat(get("/storage/reach/everything").statusCode()).isEqualTo(400);
        assertThat(get("/storage/reach/commons?limit=0").statusCode()).isEqualTo(400);
    }

    @Test
    void reachListingPagesWithAfterAndLimit() throws Exception {
        for (int i = 0; i < 7; i++) put("c" + i, "alice", Reach.COMMONS);
        JsonNode first = json("/storage/reach/commons?limit=3");
        assertThat(ids(first)).containsExactly("c0", "c1", "c2");
        JsonNode second = json("/storage/reach/commons?limit=3&after=" + first.path("next").asText());
        assertThat(ids(second)).containsExactly("c3", "c4", "c5");
        JsonNode last = json("/storage/reach/commons?limit=3&after=" + second.path("next").asText());
        assertThat(ids(last)).containsExactly("c6");
        assertThat(last.path("next").isNull()).isTrue();
    }

    @Test
    void grpcDeviceApiIsServedWithDeviceAuthentication() throws Exception {
        TestDevice alice = new TestDevice().pairWith(node.storage(), "alice");
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", node.ports().grpc()).usePlaintext().build();
        try {
            var stub = ElohimNodeGrpc.newBlockingStub(ch).withInterceptors(alice.grpcAuth())
                    .withDeadlineAfter(10, TimeUnit.SECONDS);
            Document doc = new Document();
            Transaction tx = doc.startTransaction();
            tx.set(ObjectId.ROOT, "title", "from grpc");
            tx.commit();
            byte[] bytes = doc.save();
            doc.free();
            PutDocumentResponse r = stub.putDocument(PutDocumentRequest.newBuilder().setDocId("g1")
                    .setChanges(ByteString.copyFrom(bytes)).setReach(org.elohim.api.v1.Reach.REACH_PRIVATE).build());
            assertThat(r.getChanged()).isTrue();
            assertThat(stub.getDocument(GetDocumentRequest.newBuilder().setDocId("g1").build()).getOwner()).isEqualTo("alice");
            // anonymous callers cannot see alice's private document: NOT_FOUND, as if absent
            var anonymous = ElohimNodeGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> anonymous.getDocument(GetDocumentRequest.newBuilder().setDocId("g1").build()))
                    .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("NOT_FOUND");
            String p = "/storage/reach/private";
            assertThat(ids(json(p, alice.httpHeaders(p)))).containsExactly("g1");
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSecondNodeOnTheSameDataDirectoryRefusesToStart() {
        assertThatThrownBy(() -> ElohimNodeRuntime.start(NodeConfig.ephemeral(dir)))
                .isInstanceOf(NodeStartException.class).hasMessageContaining("another node is running");
        assertThat(PortsFile.read(node.files().ports())).isPresent(); // the failed start did not touch the live node
    }

    @Test
    void closeFreesPortsAndFilesAndTheDataSurvivesARestart() throws Exception {
        put("keep", "alice", Reach.COMMONS);
        int httpPort = node.ports().http();
        int grpcPort = node.ports().grpc();
        node.close();
        assertThat(Files.exists(dir.resolve("ports.json"))).isFalse();
        assertThat(Files.exists(dir.resolve("admin.token"))).isFalse();
        for (int port : new int[] {httpPort, grpcPort}) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", port));
            }
        }
        node = ElohimNodeRuntime.start(NodeConfig.ephemeral(dir));
        assertThat(ids(json("/storage/reach/commons"))).containsExactly("keep");
    }

    @Test
    void liveSyncStreamsShowUpInSyncPeers() throws Exception {
        TestDevice alice = new TestDevice().pairWith(node.storage(), "alice");
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", node.ports().grpc()).usePlaintext().build();
        try {
            var stub = ElohimNodeGrpc.newStub(ch).withInterceptors(alice.grpcAuth());
            java.util.concurrent.CompletableFuture<Throwable> ended = new java.util.concurrent.CompletableFuture<>();
            io.grpc.stub.StreamObserver<org.elohim.api.v1.SyncMessage> up = stub.sync(new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(org.elohim.api.v1.SyncMessage value) {
                }

                @Override
                public void onError(Throwable t) {
                    ended.complete(t);
                }

                @Override
                public void onCompleted() {
                    ended.complete(null);
                }
            });
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(json("/sync/peers").path("peers").toString()).contains(alice.deviceId()));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(get("/metrics").body()).contains("elohim_sync_streams_total 1.0")
                            .containsPattern("elohim_sync_messages_total\\{direction=\"out\"} [1-9]")
                            .contains("elohim_sync_message_bytes_total{direction=\"out\"}"));
            up.onError(io.grpc.Status.CANCELLED.asRuntimeException());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(json("/sync/peers").path("peers").size()).isZero());
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void realtimeWebSocketEndpointsAreMounted() throws Exception {
        for (String path : List.of("/ws", "/automerge")) {
            java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();
            java.net.http.WebSocket ws = http.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + node.ports().http() + path), new java.net.http.WebSocket.Listener() {
                        @Override
                        public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket w, int code, String reason) {
                            closed.complete(code);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
            assertThat(closed.get(10, TimeUnit.SECONDS)).as(path).isEqualTo(java.net.http.WebSocket.NORMAL_CLOSURE);
        }
    }

    @Test
    void libp2pHostListensWithTheNodeIdentityWhenEnabled() throws Exception {
        node.close();
        node = ElohimNodeRuntime.start(NodeConfig.ephemeral(dir).with("p2p.enabled", "true"));
        assertThat(node.ports().p2p()).isPositive();
        assertThat(PortsFile.read(node.files().ports()).orElseThrow().ports().p2p()).isEqualTo(node.ports().p2p());
        try (org.elohim.p2p.host.Host client = org.elohim.p2p.host.Host.create(
                org.elohim.p2p.host.HostConfig.defaults(org.elohim.p2p.peer.IdentityKey.generate()))) {
            var conn = client.dial(org.elohim.p2p.multiaddr.Multiaddr.parse(
                    "/ip4/127.0.0.1/tcp/" + node.ports().p2p() + "/p2p/" + node.nodeId())).get(15, TimeUnit.SECONDS);
            assertThat(conn.remotePeer().toBase58()).isEqualTo(node.nodeId());
            assertThat(client.ping(conn.remotePeer(), 2).get(15, TimeUnit.SECONDS)).hasSize(2);
        }
    }

    @Test
    void libp2pAlsoListensOnQuicWhenConfigured() throws Exception {
        node.close();
        node = ElohimNodeRuntime.start(NodeConfig.ephemeral(dir).with("p2p.enabled", "true").with("p2p.quic", "true"));
        var quic = node.p2pHost().orElseThrow().listenAddresses().stream()
                .filter(a -> a.toString().endsWith("/quic-v1")).findFirst().orElseThrow();
        try (org.elohim.p2p.host.Host client = org.elohim.p2p.host.Host.create(
                org.elohim.p2p.host.HostConfig.defaults(org.elohim.p2p.peer.IdentityKey.generate()))) {
            var conn = client.dial(quic.withPeerId(org.elohim.p2p.peer.PeerId.parse(node.nodeId()))).get(15, TimeUnit.SECONDS);
            assertThat(conn.transport()).isEqualTo("quic");
            assertThat(client.ping(conn.remotePeer(), 2).get(15, TimeUnit.SECONDS)).hasSize(2);
        }
    }

    @Test
    void aPortInUseFailsTheStartNamingTheListenerAndReleasesEverything(@TempDir Path other) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            NodeConfig config = NodeConfig.ephemeral(other).with("http.port", Integer.toString(taken.getLocalPort()));
            assertThatThrownBy(() -> ElohimNodeRuntime.start(config))
                    .isInstanceOf(NodeStartException.class).hasMessageContaining("HTTP on 127.0.0.1:" + taken.getLocalPort());
        }
        assertThat(Files.exists(other.resolve("ports.json"))).isFalse();
        assertThat(Files.exists(other.resolve("admin.token"))).isFalse();
        try (ElohimNodeRuntime again = ElohimNodeRuntime.start(NodeConfig.ephemeral(other))) { // lock and db released
            assertThat(again.ports().http()).isPositive();
        }
    }
}
