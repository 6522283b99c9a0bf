package org.elohim.node.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.node.automergerepo.InMemoryDocumentService;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The /ws session logic without sockets: the caller is the session's executor. */
class RealtimeSessionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final InMemoryDocumentService docs = new InMemoryDocumentService();
    private final RealtimePolicy policy = new RealtimePolicy(new ReachEnforcer(owner -> false));
    private final Map<String, Set<RealtimeSession>> index = new HashMap<>();
    private final RealtimeSession.Registry registry = new RealtimeSession.Registry() {
        @Override
        public void subscribe(String docId, RealtimeSession s) {
            index.computeIfAbsent(docId, k -> new HashSet<>()).add(s);
        }

        @Override
        public void unsubscribe(String docId, RealtimeSession s) {
            index.getOrDefault(docId, new HashSet<>()).remove(s);
        }
    };

    private final class Client implements RealtimeSession.Outbound {
        final List<JsonNode> received = new ArrayList<>();
        final RealtimeSession session;

        Client(Requester r, String origin) {
            session = new RealtimeSession(docs, policy, r, this, registry, Runnable::run, origin, 5);
            docs.subscribe(ch -> {
                if (!ch.origin().equals(origin)) session.push(ch.docId());
            });
        }

        @Override
        public void sendText(String text) {
            try {
                received.add(JSON.readTree(text));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void close(int code, String reason) {
        }

        List<JsonNode> ofType(String type) {
            return received.stream().filter(n -> n.get("type").asText().equals(type)).toList();
        }
    }

    @AfterEach
    void tearDown() {
        docs.close();
    }

    private static byte[] change(Document d, String key, String value) {
        ChangeHash[] before = d.getHeads();
        try (Transaction tx = d.startTransaction()) {
            tx.set(ObjectId.ROOT, key, value);
            tx.commit();
        }
        return d.encodeChangesSince(before);
    }

    private static String changeMsg(String doc, byte[] changes) {
        return "{\"type\":\"change\",\"doc_id\":\"" + doc + "\",\"changes\":\"" + Base64.getEncoder().encodeToString(changes) + "\"}";
    }

    @Test
    void subscriberReceivesCatchUpThenLiveChangesFromOtherWriters() {
        Requester alice = new Requester.Device("d1", "alice");
        Client reader = new Client(alice, "ws:1");
        Client writer = new Client(new Requester.Device("d2", "alice"), "ws:2");
        Document local = new Document();
        writer.session.onText(changeMsg("notes", change(local, "a", "1")));
        assertThat(writer.ofType("ack")).hasSize(1);
        assertThat(docs.info("notes").orElseThrow().owner()).isEqualTo("alice");
        assertThat(docs.info("notes").orElseThrow().reach()).isEqualTo(Reach.PRIVATE);

        reader.session.onText("{\"type\":\"subscribe\",\"doc_ids\":[\"notes\",\"missing\"]}");
        assertThat(reader.ofType("subscribed").get(0).get("doc_ids")).hasSize(2);
        assertThat(reader.ofType("change")).hasSize(1);

        writer.session.onText(changeMsg("notes", change(local, "b", "2")));
        List<JsonNode> changes = reader.ofType("change");
        assertThat(changes).hasSize(2);
        Document mirror = new Document();
        for (JsonNode c : changes) mirror.applyEncodedChanges(Base64.getDecoder().decode(c.get("changes").asText()));
        assertThat(mirror.get(ObjectId.ROOT, "b")).isPresent();
        assertThat(writer.ofType("change")).isEmpty(); // no echo to the writer
        local.free();
        mirror.free();
    }

    @Test
    void reachAndWriteRulesApply() {
        Client alice = new Client(new Requester.Device("d1", "alice"), "ws:1");
        Client bob = new Client(new Requester.Device("d9", "bob"), "ws:2");
        Client anon = new Client(Requester.ANONYMOUS, "ws:3");
        Document local = new Document();
        alice.session.onText(changeMsg("diary", change(local, "x", "secret")));
        bob.session.onText("{\"type\":\"subscribe\",\"doc_ids\":[\"diary\"]}");
        anon.session.onText("{\"type\":\"subscribe\",\"doc_ids\":[\"diary\"]}");
        assertThat(bob.ofType("change")).isEmpty();
        assertThat(anon.ofType("change")).isEmpty();
        bob.session.onText(changeMsg("diary", change(local, "y", "vandal")));
        assertThat(bob.ofType("error").get(0).get("code").asText()).isEqualTo("not_found");
        assertThat(docs.info("diary").orElseThrow().heads()).hasSize(1);
        // anonymous peers create commons documents; devices may read them, anonymous may still write them
        Document other = new Document();
        anon.session.onText(changeMsg("board", change(other, "msg", "hi")));
        assertThat(docs.info("board").orElseThrow().reach()).isEqualTo(Reach.COMMONS);
        bob.session.onText("{\"type\":\"subscribe\",\"doc_ids\":[\"board\"]}");
        assertThat(bob.ofType("change")).hasSize(1);
        local.free();
        other.free();
    }

    @Test
    void badInputIsAnsweredWithErrorsAndSubscriptionsAreBounded() {
        Client c = new Client(Requester.ANONYMOUS, "ws:1");
        c.session.onText("{not json");
        c.session.onText("{\"type\":\"change\",\"doc_id\":\"d\",\"changes\":\"AAEC\"}");
        c.session.onText("{\"type\":\"subscribe\",\"doc_ids\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\"]}");
        List<JsonNode> errors = c.ofType("error");
        assertThat(errors).extracting(e -> e.get("code").asText())
                .containsExactly("malformed_json", "invalid_changes", "too_many");
        assertThat(docs.info("d")).isEmpty();
        assertThat(c.ofType("subscribed").get(0).get("doc_ids")).hasSize(5);
    }
}
