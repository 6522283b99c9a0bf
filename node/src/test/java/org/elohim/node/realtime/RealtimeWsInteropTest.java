package org.elohim.node.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.node.automergerepo.DocumentUrl;
import org.elohim.node.automergerepo.TestDevices;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.reach.Reach;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spec's /ws JSON API over real sockets on a real node, and across protocols with automerge-repo. */
class RealtimeWsInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ElohimNodeRuntime start(String access) {
        return ElohimNodeRuntime.builder(NodeConfig.ephemeral(dir).with("realtime.access", access))
                .webSockets(RealtimeEndpoints::create).start();
    }

    /** A JDK WebSocket client that queues the JSON messages it receives. */
    static final class WsClient implements WebSocket.Listener, AutoCloseable {
        final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
        final WebSocket ws;
        private final StringBuilder partial = new StringBuilder();

        WsClient(String url) throws Exception {
            ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(url), this).get(5, TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    messages.add(JSON.readTree(partial.toString()));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        void send(String text) {
            ws.sendText(text, true).join();
        }

        JsonNode next(String type) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                JsonNode n = messages.poll(100, TimeUnit.MILLISECONDS);
                if (n != null && n.get("type").asText().equals(type)) return n;
            }
            throw new AssertionError("no " + type + " message within 10 s");
        }

        @Override
        public void close() {
            ws.abort();
        }
    }

    private static String changeMessage(String docId, byte[] changes) {
        return "{\"type\":\"change\",\"doc_id\":\"" + docId + "\",\"changes\":\"" + Base64.getEncoder().encodeToString(changes) + "\"}";
    }

    private static byte[] set(Document d, String key, String value) {
        ChangeHash[] before = d.getHeads();
        try (Transaction tx = d.startTransaction()) {
            tx.set(ObjectId.ROOT, key, value);
            tx.commit();
        }
        return d.encodeChangesSince(before);
    }

    @Test
    void changesFlowBetweenWsClientsAndAutomergeRepoClients() throws Exception {
        org.elohim.node.automergerepo.NodeScriptsAccess.requireInstalled();
        try (ElohimNodeRuntime node = start("open");
             WsClient writer = new WsClient("ws://127.0.0.1:" + node.ports().http() + "/ws");
             WsClient watcher = new WsClient("ws://127.0.0.1:" + node.ports().http() + "/ws")) {
            String id = DocumentUrl.random().documentId();
            Document local = new Document();
            writer.send(changeMessage(id, set(local, "from", "ws")));
            JsonNode ack = writer.next("ack");
            assertThat(ack.get("doc_id").asText()).isEqualTo(id);
            assertThat(node.storage().documents().info(id).orElseThrow().reach()).isEqualTo(Reach.COMMONS);

            watcher.send("{\"type\":\"subscribe\",\"doc_ids\":[\"" + id + "\"]}");
            assertThat(watcher.next("subscribed").get("doc_ids").get(0).asText()).isEqualTo(id);
            Document mirror = new Document();
            mirror.applyEncodedChanges(Base64.getDecoder().decode(watcher.next("change").get("changes").asText()));
            assertThat(mirror.get(ObjectId.ROOT, "from")).isPresent();

            // a stock automerge-repo client finds the same document by URL and edits it
            org.elohim.node.automergerepo.NodeScriptsAccess.runOk(60, "scenario-edit.mjs",
                    "ws://127.0.0.1:" + node.ports().http() + "/automerge", "automerge:" + id, "fromRepo", "js");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (mirror.get(ObjectId.ROOT, "fromRepo").isEmpty() && System.nanoTime() < end) {
                mirror.applyEncodedChanges(Base64.getDecoder().decode(watcher.next("change").get("changes").asText()));
            }
            assertThat(mirror.get(ObjectId.ROOT, "fromRepo")).isPresent();
            local.free();
            mirror.free();
        }
    }

    @Test
    void badInputIsAnsweredAndTheSessionSurvives() throws Exception {
        try (ElohimNodeRuntime node = start("open");
             WsClient c = new WsClient("ws://127.0.0.1:" + node.ports().http() + "/ws")) {
            c.send("{oops");
            assertThat(c.next("error").get("code").asText()).isEqualTo("malformed_json");
            c.send("{\"type\":\"change\",\"doc_id\":\"x\",\"changes\":\"AAECAwQ=\"}");
            assertThat(c.next("error").get("code").asText()).isEqualTo("invalid_changes");
            c.ws.sendBinary(ByteBuffer.wrap(new byte[]{1, 2, 3}), true).join();
            assertThat(c.next("error").get("code").asText()).isEqualTo("unsupported_frame");
            c.send("{\"type\":\"subscribe\",\"doc_ids\":[\"still-alive\"]}");
            assertThat(c.next("subscribed")).isNotNull();
            assertThat(node.storage().documents().info("x")).isEmpty();
        }
    }

    @Test
    void pairedModeAuthenticatesBySignedQueryAndAppliesReach() throws Exception {
        try (ElohimNodeRuntime node = start("paired")) {
            String base = "ws://127.0.0.1:" + node.ports().http();
            TestDevices.Device laptop = TestDevices.pair(node.storage().pairing(), "alice", "laptop");
            TestDevices.Device phone = TestDevices.pair(node.storage().pairing(), "alice", "phone");
            TestDevices.Device stranger = TestDevices.pair(node.storage().pairing(), "mallory", "x");
            try (WsClient a = new WsClient(laptop.signedUrl(base, "/ws"));
                 WsClient b = new WsClient(phone.signedUrl(base, "/ws"));
                 WsClient m = new WsClient(stranger.signedUrl(base, "/ws"))) {
                Document local = new Document();
                a.send(changeMessage("alice-notes", set(local, "k", "v")));
                a.next("ack");
                assertThat(node.storage().documents().info("alice-notes").orElseThrow().owner()).isEqualTo("alice");
                b.send("{\"type\":\"subscribe\",\"doc_ids\":[\"alice-notes\"]}");
                m.send("{\"type\":\"subscribe\",\"doc_ids\":[\"alice-notes\"]}");
                assertThat(b.next("change").get("doc_id").asText()).isEqualTo("alice-notes");
                m.next("subscribed");
                a.send(changeMessage("alice-notes", set(local, "k2", "v2")));
                a.next("ack");
                assertThat(b.next("change")).isNotNull();
                Thread.sleep(300);
                assertThat(m.messages).noneMatch(n -> n.get("type").asText().equals("change"));
                local.free();
            }
            // no credentials, or a signature for another path: refused at the upgrade
            for (String url : new String[]{base + "/ws", laptop.signedUrl(base, "/automerge").replace("/automerge?", "/ws?")}) {
                CompletableFuture<WebSocket> f = HttpClient.newHttpClient().newWebSocketBuilder()
                        .buildAsync(URI.create(url), new WebSocket.Listener() {
                        });
                try {
                    f.get(5, TimeUnit.SECONDS);
                    throw new AssertionError("upgrade accepted: " + url);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
                    assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(401);
                }
            }
        }
    }
}
