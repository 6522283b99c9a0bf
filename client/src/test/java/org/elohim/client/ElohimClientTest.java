package org.elohim.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.elohim.api.v1.NodeStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SDK against a real node (SQLite data dir, grpc-netty on 127.0.0.1:0). */
class ElohimClientTest {
    @TempDir
    Path dir;
    private TestNode node;
    private final java.util.List<ElohimClient> clients = new java.util.ArrayList<>();

    @BeforeEach
    void startNode() {
        node = new TestNode(dir.resolve("node"));
    }

    @AfterEach
    void stop() {
        clients.forEach(ElohimClient::close);
        node.close();
    }

    private ElohimClient device(String name) {
        ElohimClient c = ElohimClient.open(dir.resolve(name));
        clients.add(c);
        return c;
    }

    private ElohimClient paired(String name, String owner) {
        ElohimClient c = device(name).connect("127.0.0.1", node.port());
        c.pair(node.token(owner), name);
        return c;
    }

    private static Map<String, String> local(ElohimClient c, String docId) {
        return c.read(docId, Docs::contents).orElse(Map.of());
    }

    private Map<String, String> onNode(String docId) {
        return node.docs.read(docId, Docs::contents).join().orElse(Map.of());
    }

    private void assertConverged(ElohimClient c, String docId) {
        assertThat(local(c, docId)).as("contents of %s", docId).isEqualTo(onNode(docId));
        assertThat(Docs.headsKey(c.get(docId).orElseThrow().heads()))
                .isEqualTo(Docs.headsKey(node.docs.info(docId).orElseThrow().heads()));
    }

    @Test
    void pairingPersistsTheDeviceIdentityAcrossRestarts() {
        ElohimClient phone = paired("phone", "alice");
        String id = phone.deviceId().orElseThrow();
        assertThat(id).startsWith("dev-");
        NodeStatus s = phone.status();
        assertThat(s.getDeviceId()).isEqualTo(id);
        assertThat(s.getOwner()).isEqualTo("alice");
        phone.close();
        clients.remove(phone);

        ElohimClient again = device("phone").connect("127.0.0.1", node.port());
        assertThat(again.isPaired()).isTrue();
        assertThat(again.deviceId()).contains(id);
        assertThat(again.owner()).contains("alice");
        assertThat(again.status().getDeviceId()).isEqualTo(id);
        assertThat(node.registry.find(id)).isPresent();
    }

    @Test
    void aBadTokenDoesNotPair() {
        ElohimClient c = device("phone").connect("127.0.0.1", node.port());
        assertThatThrownBy(() -> c.pair("wrong-token", "phone")).isInstanceOf(ClientException.class)
                .hasMessageContaining("PERMISSION_DENIED");
        assertThat(c.isPaired()).isFalse();
        assertThatThrownBy(c::sync).isInstanceOf(ClientException.class).hasMessageContaining("not paired");
    }

    @Test
    void editsWorkOfflineAndReachTheNodeOnSync() {
        ElohimClient phone = device("phone");
        phone.edit("notes", Docs.set("title", "written offline"));
        assertThat(local(phone, "notes")).containsEntry("title", "written offline");

        phone.connect("127.0.0.1", node.port()).pair(node.token("alice"), "phone");
        SyncResult r = phone.sync(Duration.ofSeconds(20));
        assertThat(r.documentsSent()).isEqualTo(1);
        assertThat(onNode("notes")).containsEntry("title", "written offline");
        assertThat(node.docs.info("notes").orElseThrow().owner()).isEqualTo("alice");
        assertConverged(phone, "notes");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void deviceAndNodeEditsInAnyOrderConverge(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ElohimClient phone = paired("phone", "alice");
        List<String> ids = List.of("a", "b", "c");
        for (int step = 0; step < 24; step++) {
            String doc = ids.get(random.nextInt(ids.size()));
            switch (random.nextInt(3)) {
                case 0 -> phone.edit(doc, Docs.set("device-" + random.nextInt(4), "d" + step));
                case 1 -> node.put(doc, "alice", org.elohim.node.reach.Reach.PRIVATE, "node-" + random.nextInt(4), "n" + step);
                default -> phone.sync(Duration.ofSeconds(20));
            }
        }
        phone.sync(Duration.ofSeconds(20));
        for (String doc : ids) {
            if (node.docs.info(doc).isEmpty() && phone.get(doc).isEmpty()) continue;
            assertConverged(phone, doc);
        }
        // Nothing left to exchange: a further round moves no document.
        SyncResult idle = phone.sync(Duration.ofSeconds(20));
        assertThat(idle.documentsReceived()).isZero();
        assertThat(idle.documentsSent()).isZero();
    }

    @Test
    void twoDevicesOfOneOwnerConvergeThroughTheNode() {
        ElohimClient phone = paired("phone", "alice");
        ElohimClient laptop = paired("laptop", "alice");
        phone.edit("shared", Docs.set("from-phone", "1"));
        laptop.edit("shared", Docs.set("from-laptop", "2"));
        phone.sync(Duration.ofSeconds(20));
        laptop.sync(Duration.ofSeconds(20));
        phone.sync(Duration.ofSeconds(20));
        assertThat(local(phone, "shared")).containsEntry("from-phone", "1").containsEntry("from-laptop", "2");
        assertThat(local(laptop, "shared")).isEqualTo(local(phone, "shared"));
        assertThat(Docs.headsKey(laptop.get("shared").orElseThrow().heads()))
                .isEqualTo(Docs.headsKey(phone.get("shared").orElseThrow().heads()));

        // Live: with continuous sync on both, an edit on one shows up on the other.
        java.util.Set<String> changed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        phone.startSync(null);
        laptop.startSync(changed::add);
        await().atMost(Duration.ofSeconds(20)).until(phone::isInSync);
        phone.edit("shared", Docs.set("live", "yes"));
        await().atMost(Duration.ofSeconds(20)).until(() -> "yes".equals(local(laptop, "shared").get("live")));
        assertThat(changed).contains("shared");
        assertThat(local(laptop, "shared")).isEqualTo(local(phone, "shared"));
    }

    @Test
    void anotherFamilyMemberGetsFamilyDocumentsButPrivateOnesLookMissing() {
        ElohimClient alice = paired("alice-phone", "alice");
        alice.edit("diary", Reach.PRIVATE, Docs.set("secret", "s"));
        alice.edit("groceries", Reach.FAMILY, Docs.set("milk", "2"));
        alice.sync(Duration.ofSeconds(20));

        ElohimClient bob = paired("bob-phone", "bob");
        bob.sync(Duration.ofSeconds(20));
        assertThat(bob.list()).extracting(LocalDocument::docId).containsExactly("groceries");
        assertThat(local(bob, "groceries")).containsEntry("milk", "2");
        assertThat(bob.get("groceries").orElseThrow().owner()).isEqualTo("alice");
        assertThat(bob.fetch("diary")).isEmpty();
        assertThat(bob.fetch("no-such-document")).isEmpty();
        assertThat(bob.listRemote()).extracting(RemoteDocument::docId).containsExactly("groceries");

        // Bob's edit of the family document reaches Alice; his private notes do not.
        bob.edit("groceries", Docs.set("eggs", "6"));
        bob.edit("bobs-notes", Reach.PRIVATE, Docs.set("x", "y"));
        bob.sync(Duration.ofSeconds(20));
        alice.sync(Duration.ofSeconds(20));
        assertThat(local(alice, "groceries")).containsEntry("eggs", "6");
        assertThat(alice.get("bobs-notes")).isEmpty();
        assertThat(alice.list()).extracting(LocalDocument::docId).containsExactly("diary", "groceries");
    }

    @Test
    void anUnauthenticatedClientSeesOnlyCommons() {
        ElohimClient alice = paired("alice-phone", "alice");
        alice.edit("diary", Reach.PRIVATE, Docs.set("secret", "s"));
        alice.edit("groceries", Reach.FAMILY, Docs.set("milk", "2"));
        alice.edit("recipes", Reach.COMMONS, Docs.set("bread", "flour"));
        alice.sync(Duration.ofSeconds(20));

        ElohimClient stranger = device("stranger").connect("127.0.0.1", node.port());
        assertThat(stranger.listRemote()).extracting(RemoteDocument::docId).containsExactly("recipes");
        assertThat(stranger.fetch("groceries")).isEmpty();
        assertThat(stranger.fetch("diary")).isEmpty();
        Optional<LocalDocument> recipes = stranger.fetch("recipes");
        assertThat(recipes).isPresent();
        assertThat(local(stranger, "recipes")).containsEntry("bread", "flour");
        assertThatThrownBy(stranger::sync).isInstanceOf(ClientException.class);
    }
}
