package org.elohim.node.automergerepo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.node.automergerepo.RepoMessage.DocUnavailable;
import org.elohim.node.automergerepo.RepoMessage.Ephemeral;
import org.elohim.node.automergerepo.RepoMessage.Join;
import org.elohim.node.automergerepo.RepoMessage.Peer;
import org.elohim.node.automergerepo.RepoMessage.PeerMetadata;
import org.elohim.node.automergerepo.RepoMessage.RemoteHeadsChanged;
import org.elohim.node.automergerepo.RepoMessage.RemoteSubscriptionChange;
import org.elohim.node.automergerepo.RepoMessage.Sync;
import org.elohim.node.docs.EventKind;
import org.elohim.node.realtime.RealtimePolicy;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The protocol state machine, synchronously (the caller is the hub's executor), with a fake clock. */
class RepoHubTest {
    private final InMemoryDocumentService docs = new InMemoryDocumentService();
    private final AtomicLong clock = new AtomicLong(1_795_502_390_580L);
    private final SyncStateStore states = SyncStateStore.inMemory();
    private final RepoHub hub = newHub(RepoHub.Limits.defaults());
    private final Requester alice1 = new Requester.Device("dev-a1", "alice");
    private final Requester alice2 = new Requester.Device("dev-a2", "alice");
    private final Requester bob = new Requester.Device("dev-b", "bob");

    private RepoHub newHub(RepoHub.Limits limits) {
        ReachEnforcer reach = new ReachEnforcer(owner -> false);
        return new RepoHub(docs, new RealtimePolicy(reach), states, "node-peer", "node-storage", clock::get,
                Runnable::run, limits);
    }

    @AfterEach
    void tearDown() {
        hub.close();
        docs.close();
    }

    @Test
    void joinIsAnsweredWithPeer() {
        RecordingLink link = new RecordingLink();
        RepoConnection c = hub.connect(Requester.ANONYMOUS, link);
        hub.receive(c, new Join("client-A", new PeerMetadata("s-a", false), List.of("1")));
        assertThat(link.all).containsExactly(new Peer("node-peer", "client-A", new PeerMetadata("node-storage", false), "1"));
        assertThat(hub.peerCount()).isEqualTo(1);
        // a repeated join on the same socket is answered again (clients send it on open and on connect)
        hub.receive(c, new Join("client-A", new PeerMetadata("s-a", false), List.of("1")));
        assertThat(link.sent(Peer.class)).hasSize(2);
        assertThat(link.closedWith).isNull();
    }

    @Test
    void unsupportedVersionGetsErrorAndClose() {
        RecordingLink link = new RecordingLink();
        RepoConnection c = hub.connect(Requester.ANONYMOUS, link);
        hub.receive(c, new Join("raw-client", new PeerMetadata(null, null), List.of("2")));
        assertThat(link.all).containsExactly(new RepoMessage.Error("node-peer", "raw-client", "unsupported protocol version"));
        assertThat(link.closedWith).isNotNull();
        assertThat(hub.peerCount()).isZero();
    }

    @Test
    void messagesBeforeJoinAreRefused() {
        RecordingLink link = new RecordingLink();
        RepoConnection c = hub.connect(Requester.ANONYMOUS, link);
        hub.receive(c, new Sync("x", "node-peer", DocumentUrl.random().documentId(), new byte[]{0x42, 0, 0, 0, 0}));
        assertThat(link.sent(RepoMessage.Error.class)).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("join"));
        assertThat(link.closedWith).isEqualTo(PeerLink.POLICY_VIOLATION);
    }

    @Test
    void secondJoinWithSameSenderReplacesTheOldSocket() {
        RecordingLink first = new RecordingLink();
        RepoConnection c1 = hub.connect(Requester.ANONYMOUS, first);
        hub.receive(c1, new Join("tab", new PeerMetadata(null, true), List.of("1")));
        RecordingLink second = new RecordingLink();
        RepoConnection c2 = hub.connect(Requester.ANONYMOUS, second);
        hub.receive(c2, new Join("tab", new PeerMetadata(null, true), List.of("1")));
        assertThat(first.closedWith).isEqualTo(PeerLink.NORMAL);
        assertThat(second.closedWith).isNull();
        assertThat(hub.peerCount()).isEqualTo(1);
        // the late close of the old socket must not unregister the new one
        hub.disconnected(c1);
        assertThat(hub.peerCount()).isEqualTo(1);
    }

    @Test
    void joinFloodsAndSenderChangesCloseTheConnection() {
        RecordingLink link = new RecordingLink();
        RepoConnection c = hub.connect(Requester.ANONYMOUS, link);
        for (int i = 0; i < 100 && link.closedWith == null; i++) {
            hub.receive(c, new Join("flood", new PeerMetadata(null, true), List.of("1")));
        }
        assertThat(link.closedWith).isNotNull();
        assertThat(link.sent(Peer.class)).hasSize(RepoHub.Limits.defaults().maxJoinsPerConnection());
        RecordingLink other = new RecordingLink();
        RepoConnection c2 = hub.connect(Requester.ANONYMOUS, other);
        hub.receive(c2, new Join("one", new PeerMetadata(null, true), List.of("1")));
        hub.receive(c2, new Join("two", new PeerMetadata(null, true), List.of("1")));
        assertThat(other.closedWith).isNotNull();
        assertThat(hub.peerCount()).isZero();
    }

    @Test
    void peerLimitRefusesNewPeers() {
        RepoHub small = newHub(new RepoHub.Limits(2, 10, 10, 10, 8, 100));
        for (int i = 0; i < 2; i++) {
            small.receive(small.connect(Requester.ANONYMOUS, new RecordingLink()),
                    new Join("p" + i, new PeerMetadata(null, true), List.of("1")));
        }
        RecordingLink third = new RecordingLink();
        small.receive(small.connect(Requester.ANONYMOUS, third), new Join("p3", new PeerMetadata(null, true), List.of("1")));
        assertThat(third.sent(RepoMessage.Error.class)).singleElement().satisfies(e -> assertThat(e.message()).contains("too many"));
        small.close();
    }

    @Test
    void documentCreatedByOnePeerIsFoundByAnotherAndStoredInTheNode() {
        try (SimulatedPeer a = new SimulatedPeer(hub, "client-A", alice1, "storage-a");
             SimulatedPeer b = new SimulatedPeer(hub, "client-B", alice2, null)) {
            String id = a.create("hello");
            a.sync(id, false);
            assertThat(docs.info(id)).hasValueSatisfying(i -> {
                assertThat(i.owner()).isEqualTo("alice");
                assertThat(i.reach()).isEqualTo(Reach.PRIVATE);
            });
            b.sync(id, true);
            assertThat(b.text(id)).isEqualTo("hello");
            // B edits; A (still attached) hears it without asking
            b.append(id, " world");
            b.sync(id, false);
            a.settle();
            assertThat(a.text(id)).isEqualTo("hello world");
            assertThat(docs.read(id, d -> d.text(SimulatedPeer.textId(d)).orElseThrow()).join()).hasValue("hello world");
        }
    }

    @Test
    void concurrentEditsConverge() {
        try (SimulatedPeer a = new SimulatedPeer(hub, "A", alice1, null);
             SimulatedPeer b = new SimulatedPeer(hub, "B", alice2, null)) {
            String id = a.create("x");
            a.sync(id, false);
            b.sync(id, true);
            a.append(id, "A");
            b.append(id, "B");
            a.push(id, false);
            b.push(id, false);
            for (int i = 0; i < 10; i++) {
                a.settle();
                b.settle();
                a.sync(id, false);
                b.sync(id, false);
            }
            assertThat(a.text(id)).isEqualTo(b.text(id)).hasSize(3).startsWith("x");
        }
    }

    @Test
    void unknownDocumentIsUnavailableAndArrivesWhenCreated() {
        try (SimulatedPeer a = new SimulatedPeer(hub, "A", alice1, null);
             SimulatedPeer b = new SimulatedPeer(hub, "B", alice2, null)) {
            String id = DocumentUrl.random().documentId();
            b.push(id, true);
            assertThat(b.link.sent(DocUnavailable.class)).singleElement()
                    .isEqualTo(new DocUnavailable("node-peer", "B", id));
            assertThat(docs.info(id)).isEmpty();
            // now A creates it under that id: B, which asked, receives it
            a.docs.put(id, new org.automerge.Document());
            try (Transaction tx = a.docs.get(id).startTransaction()) {
                tx.set(ObjectId.ROOT, "k", "v");
                tx.commit();
            }
            a.sync(id, false);
            b.settle();
            assertThat(b.docs.get(id).get(ObjectId.ROOT, "k")).isPresent();
        }
    }

    @Test
    void changesFromOtherSourcesFanOutToConnectedPeers() {
        try (SimulatedPeer a = new SimulatedPeer(hub, "A", alice1, null)) {
            String id = a.create("abc");
            a.sync(id, false);
            docs.edit(id, "alice", Reach.PRIVATE, d -> {
                try (Transaction tx = d.startTransaction()) {
                    tx.spliceText(SimulatedPeer.textId(d), 0, 0, ">");
                    tx.commit();
                }
            }, "grpc-session-7").join();
            a.settle();
            assertThat(a.text(id)).isEqualTo(">abc");
        }
    }

    @Test
    void reachIsEnforcedAndDeniedLooksMissing() {
        try (SimulatedPeer a = new SimulatedPeer(hub, "A", alice1, null);
             SimulatedPeer b = new SimulatedPeer(hub, "B", bob, null);
             SimulatedPeer anon = new SimulatedPeer(hub, "anon", Requester.ANONYMOUS, null)) {
            String id = a.create("secret");
            a.sync(id, false);
            b.push(id, true);
            anon.push(id, true);
            assertThat(b.link.sent(DocUnavailable.class)).hasSize(1);
            assertThat(b.link.sent(Sync.class)).isEmpty();
            assertThat(anon.link.sent(DocUnavailable.class)).hasSize(1);
            // later edits by the owner are not fanned out to them either
            a.append(id, "!");
            a.sync(id, false);
            assertThat(b.link.sent(Sync.class)).isEmpty();
            assertThat(anon.link.sent(Sync.class)).isEmpty();
        }
    }

    @Test
    void anonymousPeersCreateCommonsDocumentsAndCannotWriteFamilyCommons() {
        try (SimulatedPeer a = new SimulatedPeer(hub, "A", alice1, null);
             SimulatedPeer anon = new SimulatedPeer(hub, "anon", Requester.ANONYMOUS, null);
             SimulatedPeer anon2 = new SimulatedPeer(hub, "anon2", Requester.ANONYMOUS, null)) {
            String mine = anon.create("public");
            anon.sync(mine, false);
            assertThat(docs.info(mine)).hasValueSatisfying(i -> {
                assertThat(i.reach()).isEqualTo(Reach.COMMONS);
                assertThat(i.owner()).isEqualTo(RealtimePolicy.ANONYMOUS_OWNER);
            });
            anon2.sync(mine, true);
            assertThat(anon2.text(mine)).isEqualTo("public");
            // alice publishes a commons doc through another path: anonymous peers may read, not write
            String board = DocumentUrl.random().documentId();
            docs.edit(board, "alice", Reach.COMMONS, d -> {
                try (Transaction tx = d.startTransaction()) {
                    tx.set(ObjectId.ROOT, "text", org.automerge.ObjectType.TEXT);
                    tx.commit();
                }
            }, "http").join();
            anon.sync(board, true);
            assertThat(anon.text(board)).isEqualTo("");
            anon.append(board, "graffiti");
            anon.push(board, false);
            assertThat(anon.link.sent(RepoMessage.Error.class)).singleElement()
                    .satisfies(e -> assertThat(e.message()).contains("read-only"));
            assertThat(docs.read(board, d -> d.text(SimulatedPeer.textId(d)).orElseThrow()).join()).hasValue("");
        }
    }

    @Test
    void ephemeralMessagesRelayOnceToOtherPeersOfTheDocument() {
        try (SimulatedPeer a = new SimulatedPeer(hub, "A", alice1, null);
             SimulatedPeer b = new SimulatedPeer(hub, "B", alice2, null);
             SimulatedPeer c = new SimulatedPeer(hub, "C", bob, null)) {
            String id = a.create("doc");
            a.sync(id, false);
            b.sync(id, true);
            c.push(id, true);
            Ephemeral e = new Ephemeral("B", "node-peer", id, 1, "session-b", new byte[]{1, 2, 3});
            hub.receive(b.conn, e);
            hub.receive(b.conn, e); // duplicate (same session + count)
            // A re-broadcasting B's message under B's name on A's socket is ignored
            hub.receive(a.conn, e);
            assertThat(a.link.sent(Ephemeral.class)).singleElement().satisfies(r -> {
                assertThat(r.senderId()).isEqualTo("B");
                assertThat(r.targetId()).isEqualTo("A");
                assertThat(r.data()).containsExactly(1, 2, 3);
            });
            assertThat(b.link.sent(Ephemeral.class)).isEmpty();
            assertThat(c.link.sent(Ephemeral.class)).isEmpty(); // bob may not read alice's doc
        }
    }

    @Test
    void junkSyncBytesCloseOnlyThatConnection() {
        try (SimulatedPeer a = new SimulatedPeer(hub, "A", alice1, null);
             SimulatedPeer b = new SimulatedPeer(hub, "B", alice2, null)) {
            String id = a.create("ok");
            a.sync(id, false);
            hub.receive(b.conn, new Sync("B", "node-peer", id, new byte[]{0x42, 1, 2, 3}));
            assertThat(b.link.closedWith).isNotNull();
            assertThat(b.link.sent(RepoMessage.Error.class)).singleElement()
                    .satisfies(e -> assertThat(e.message()).contains("invalid sync message"));
            // well-framed header, garbage after it: Automerge refuses it or ignores it, never stores it
            for (byte[] junk : List.of(new byte[]{0x42, 0, 0, 0, 1, 5, 1, 2, 3, 4, 5},
                    new byte[]{0x42, 0, 0, 1, 0, 3, 1, 2, 3, 0}, new byte[]{0x43, 1, 0, 0, 0, 0})) {
                SimulatedPeer c = new SimulatedPeer(hub, "C", alice2, null);
                hub.receive(c.conn, new Sync("C", "node-peer", id, junk));
                c.disconnect();
                c.close();
                assertThat(docs.read(id, dd -> dd.text(SimulatedPeer.textId(dd)).orElseThrow()).join()).hasValue("ok");
            }
            SimulatedPeer e = new SimulatedPeer(hub, "E", alice2, null);
            hub.receive(e.conn, new Sync("E", "node-peer", DocumentUrl.random().documentId(),
                    new byte[]{0x42, 0, 0, 1, 0, 3, 1, 2, 3, 0}));
            assertThat(e.link.sent(RepoMessage.Error.class)).hasSize(0);
            e.close();
            hub.receive(a.conn, new Sync("A", "node-peer", "not-a-doc-id", new byte[]{0x42, 0, 0, 0, 0}));
            assertThat(a.link.closedWith).isNotNull();
            // the node still serves others
            SimulatedPeer d = new SimulatedPeer(hub, "D", alice2, null);
            d.sync(id, true);
            assertThat(d.text(id)).isEqualTo("ok");
            d.close();
        }
    }

    @Test
    void syncStatesOfPersistentPeersAreSavedAndResumed() {
        try (SimulatedPeer a = new SimulatedPeer(hub, "A", alice1, "storage-a")) {
            String id = a.create("resume me");
            a.sync(id, false);
            a.disconnect();
            assertThat(states.load("storage-a", id)).isPresent();
            // reconnect with the same storage id: the node already knows what A has, so an in-sync
            // announcement needs no answer at all
            a.connect();
            a.sync(id, false);
            assertThat(a.link.sent(RepoMessage.Error.class)).isEmpty();
            assertThat(a.link.sent(Sync.class)).isEmpty();
            assertThat(docs.read(id, d -> d.text(SimulatedPeer.textId(d)).orElseThrow()).join()).hasValue("resume me");
            // ...and it still hears about later changes
            try (SimulatedPeer b = new SimulatedPeer(hub, "B", alice2, null)) {
                b.sync(id, true);
                b.append(id, "!");
                b.sync(id, false);
            }
            a.settle();
            assertThat(a.text(id)).isEqualTo("resume me!");
        }
    }

    @Test
    void remoteHeadsAreGossipedToSubscribers() {
        try (SimulatedPeer a = new SimulatedPeer(hub, "A", alice1, "storage-a");
             SimulatedPeer b = new SimulatedPeer(hub, "B", alice2, null)) {
            String id = a.create("x");
            a.sync(id, false);
            b.sync(id, true);
            hub.receive(b.conn, new RemoteSubscriptionChange("B", "node-peer", List.of("storage-a"), null));
            a.append(id, "y");
            a.sync(id, false);
            List<RemoteHeadsChanged> gossip = b.link.sent(RemoteHeadsChanged.class);
            assertThat(gossip).isNotEmpty();
            RemoteHeadsChanged last = gossip.get(gossip.size() - 1);
            assertThat(last.documentId()).isEqualTo(id);
            assertThat(last.newHeads()).containsKey("storage-a");
            assertThat(last.newHeads().get("storage-a").timestamp()).isEqualTo(clock.get());
            byte[] head = Base58Check.decode(last.newHeads().get("storage-a").heads().get(0)).orElseThrow();
            assertThat(head).isEqualTo(a.docs.get(id).getHeads()[0].getBytes());
        }
    }

    @Test
    void subscriptionFloodsAreBounded() {
        RecordingLink link = new RecordingLink();
        RepoConnection c = hub.connect(Requester.ANONYMOUS, link);
        hub.receive(c, new Join("s", new PeerMetadata(null, true), List.of("1")));
        List<String> many = java.util.stream.IntStream.range(0, 2_000).mapToObj(i -> "st-" + i).toList();
        hub.receive(c, new RemoteSubscriptionChange("s", "node-peer", many, null));
        assertThat(link.closedWith).isNotNull();
        assertThat(hub.peerCount()).isZero();
    }

    @Test
    void documentLimitPerPeerIsEnforced() {
        RepoHub small = newHub(new RepoHub.Limits(10, 3, 10, 10, 8, 100));
        RecordingLink link = new RecordingLink();
        RepoConnection c = small.connect(Requester.ANONYMOUS, link);
        small.receive(c, new Join("s", new PeerMetadata(null, true), List.of("1")));
        for (int i = 0; i < 5; i++) {
            small.receive(c, new RepoMessage.Request("s", "node-peer", DocumentUrl.random().documentId(),
                    new byte[]{0x42, 0, 0, 0, 0}));
        }
        assertThat(link.sent(DocUnavailable.class)).hasSize(3);
        assertThat(link.closedWith).isNotNull();
        small.close();
    }

    @Test
    void keepAliveDropsSilentPeers() {
        KeepAlive k = new KeepAlive();
        assertThat(k.tick()).isEqualTo(KeepAlive.Action.PING);
        k.heard();
        assertThat(k.tick()).isEqualTo(KeepAlive.Action.PING);
        assertThat(k.tick()).isEqualTo(KeepAlive.Action.DROP);
    }

    @Test
    void residentReplicasAreBoundedWithoutLosingData() {
        RepoHub small = newHub(new RepoHub.Limits(10, 1_000, 10, 2, 8, 100));
        try (SimulatedPeer a = new SimulatedPeer(small, "A", alice1, null)) {
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String id = a.create("doc" + i);
                a.sync(id, false);
                ids.add(id);
            }
            for (int i = 0; i < 6; i++) {
                a.append(ids.get(i), "+");
                a.sync(ids.get(i), false);
                String expected = "doc" + i + "+";
                assertThat(docs.read(ids.get(i), d -> d.text(SimulatedPeer.textId(d)).orElseThrow()).join()).hasValue(expected);
            }
        }
        small.close();
    }

    @Test
    void writeTypeIsLocalWithTheHubOrigin() {
        java.util.List<org.elohim.node.docs.DocumentChange> seen = new java.util.ArrayList<>();
        docs.subscribe(seen::add);
        try (SimulatedPeer a = new SimulatedPeer(hub, "A", alice1, null)) {
            String id = a.create("x");
            a.sync(id, false);
            assertThat(seen).isNotEmpty().allSatisfy(ch -> {
                assertThat(ch.origin()).isEqualTo(RepoHub.ORIGIN);
                assertThat(ch.kind()).isEqualTo(EventKind.LOCAL);
            });
        }
        assertThat(Map.of()).isEmpty();
    }
}
