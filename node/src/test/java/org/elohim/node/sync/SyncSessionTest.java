package org.elohim.node.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.elohim.api.v1.DocRequest;
import org.elohim.api.v1.DocResponse;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.EventKind;
import org.elohim.node.docs.StreamPosition;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.Docs;
import org.elohim.node.storage.Hashes;
import org.elohim.node.storage.SqliteDocumentService;
import org.elohim.sync.SyncSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A node and a device (each a real SQLite store in its own directory) syncing through two
 * engine {@link SyncSession}s wired back to back, as the node wires them (NodeSyncStore, ReachSyncPolicy).
 */
class SyncSessionTest {
    private static final Duration MAX = Duration.ofSeconds(30);
    private static final ReachEnforcer REACH = new ReachEnforcer(Set.of("alice", "carol")::contains);
    private static final Requester DEVICE = new Requester.Device("device-1", "alice");
    private static final Requester NODE = new Requester.ClusterNode("node");

    @TempDir
    Path tmp;
    private final AtomicLong clock = new AtomicLong(1_000_000);

    private Path nodeDir() {
        return tmp.resolve("node");
    }

    private Path deviceDir() {
        return tmp.resolve("device");
    }

    private static SqliteDocumentService open(Path dir) {
        return SqliteDocumentService.open(dir, SqliteDocumentService.Options.defaults().withShards(2), null);
    }

    private Link link(SqliteDocumentService node, SqliteDocumentService device, int batch, int inFlight) {
        return new Link(new Link.Side(node, "node", DEVICE), new Link.Side(device, "device-1", NODE), REACH, clock,
                batch, inFlight);
    }

    private static void put(SqliteDocumentService s, String doc, String key, String value) {
        s.edit(doc, "alice", Reach.PRIVATE, d -> Docs.set(d, key, value), "test").join();
    }

    private static Optional<String> value(SqliteDocumentService s, String doc, String key) {
        return s.read(doc, d -> Docs.get(d, key).orElse(null)).join();
    }

    private static Set<String> ids(SqliteDocumentService s) {
        Set<String> out = new TreeSet<>();
        for (DocumentInfo i : s.list(null, 100_000, Optional.empty(), Optional.empty())) out.add(i.docId());
        return out;
    }

    /** Same documents with the same heads (the loaded documents' heads, not just the rows). */
    private static void assertConverged(SqliteDocumentService x, SqliteDocumentService y) {
        assertThat(ids(x)).isEqualTo(ids(y));
        for (String id : ids(x)) {
            List<byte[]> hx = x.read(id, d -> Hashes.fromChangeHashes(d.getHeads())).join().orElseThrow();
            List<byte[]> hy = y.read(id, d -> Hashes.fromChangeHashes(d.getHeads())).join().orElseThrow();
            assertThat(Hashes.sameSet(hx, hy)).as("heads of %s", id).isTrue();
            assertThat(Hashes.sameSet(hx, x.info(id).orElseThrow().heads())).as("stored heads of %s", id).isTrue();
        }
    }

    private static long count(List<SyncMessage> ms, SyncMessage.BodyCase c) {
        return ms.stream().filter(m -> m.getBodyCase() == c).count();
    }

    @Test
    void bothSidesEditOfflineThenConvergeAndThenStayLive() {
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            put(node, "shared", "title", "v1");
            Link first = link(node, device, 16, 2);
            first.runUntilInSync(MAX);
            first.cut();
            assertThat(value(device, "shared", "title")).contains("v1");

            // Offline on both sides: new docs and concurrent edits of the same doc.
            for (int i = 0; i < 5; i++) put(node, "n" + i, "k", "node" + i);
            for (int i = 0; i < 3; i++) put(device, "d" + i, "k", "dev" + i);
            put(node, "shared", "fromNode", "x");
            put(device, "shared", "fromDevice", "y");

            Link second = link(node, device, 16, 2);
            second.runUntilInSync(MAX);
            assertConverged(node, device);
            assertThat(value(node, "d2", "k")).contains("dev2");
            assertThat(value(device, "n4", "k")).contains("node4");
            assertThat(value(node, "shared", "fromDevice")).contains("y");
            assertThat(value(device, "shared", "fromNode")).contains("x");
            // The device's docs arrive at the node as its owner's own (LOCAL) changes, owned by alice.
            assertThat(node.info("d0").orElseThrow().owner()).isEqualTo("alice");
            assertThat(node.rawEventsSince(0, 1000)).filteredOn(e -> e.docId().equals("d0"))
                    .extracting(e -> e.kind()).containsOnly(EventKind.LOCAL);

            // Live: a change on either side flows without a reconnect.
            put(node, "shared", "live", "from-node");
            put(device, "d0", "live", "from-device");
            second.runUntilInSync(MAX);
            assertThat(value(device, "shared", "live")).contains("from-node");
            assertThat(value(node, "d0", "live")).contains("from-device");
            assertConverged(node, device);
            second.cut();

            // Durable positions: each side has read the other's whole stream.
            assertThat(node.peerPositions().get("device-1").read()).isEqualTo(device.position());
            assertThat(device.peerPositions().get("node").read()).isEqualTo(node.position());
            // The acked position is bookkeeping (written without waiting): it lands shortly after.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> node.peerPositions().get("device-1").acked().equals(node.position()));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void streamCutAtRandomPointsResumesFromDurablePositionsAndConverges(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        SqliteDocumentService node = open(nodeDir());
        SqliteDocumentService device = open(deviceDir());
        try {
            for (int i = 0; i < 40; i++) put(node, "n" + i, "k", "v" + i);
            for (int i = 0; i < 25; i++) put(device, "d" + i, "k", "v" + i);
            for (int i = 0; i < 6; i++) {
                put(node, "s" + i, "node", "x");
                put(device, "s" + i, "device", "y"); // same id, disjoint histories: merged by Automerge
            }
            int cuts = 3 + rnd.nextInt(5);
            for (int c = 0; c < cuts; c++) {
                Link l = link(node, device, 1 + rnd.nextInt(8), 1 + rnd.nextInt(3));
                l.runThenCut(1 + rnd.nextInt(40));
                if (rnd.nextInt(3) == 0) { // the "device" or the node restarts: reopen the SQLite files
                    node.close();
                    device.close();
                    node = open(nodeDir());
                    device = open(deviceDir());
                }
                if (rnd.nextBoolean()) put(node, "n" + rnd.nextInt(40), "edit" + c, "during");
                if (rnd.nextBoolean()) put(device, "late" + c, "k", "v");
            }
            Link last = link(node, device, 8, 2);
            last.runUntilInSync(MAX);
            last.cut();
            assertConverged(node, device);
            for (int i = 0; i < 6; i++) {
                assertThat(value(node, "s" + i, "device")).contains("y");
                assertThat(value(device, "s" + i, "node")).contains("x");
            }
            assertThat(node.peerPositions().get("device-1").read()).isEqualTo(device.position());
            assertThat(device.peerPositions().get("node").read()).isEqualTo(node.position());
        } finally {
            node.close();
            device.close();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13})
    void editsOnBothSidesWhileSyncingConverge(long seed) throws Exception {
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            for (int i = 0; i < 10; i++) put(node, "n" + i, "k", "v");
            Link l = link(node, device, 3, 2);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread editor = new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                for (int i = 0; i < 120 && !stop.get(); i++) {
                    SqliteDocumentService side = rnd.nextBoolean() ? node : device;
                    put(side, "s" + rnd.nextInt(6), "e" + i, "x" + i);
                }
            });
            editor.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (editor.isAlive() && System.nanoTime() < deadline) {
                if (!l.step()) Link.sleepMillis(1);
            }
            stop.set(true);
            editor.join(10_000);
            l.runUntilInSync(MAX);
            assertConverged(node, device);
            for (int i = 0; i < 120; i++) {
                String key = "e" + i;
                long found = 0;
                for (int d = 0; d < 6; d++) if (value(node, "s" + d, key).isPresent()) found++;
                assertThat(found).as(key).isEqualTo(1);
            }
            l.cut();
        }
    }

    @Test
    void afterARestartNothingIsResentBeyondThePositions() {
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            for (int i = 0; i < 30; i++) put(node, "n" + i, "k", "v");
            for (int i = 0; i < 10; i++) put(device, "d" + i, "k", "v");
            Link l = link(node, device, 16, 2);
            l.runUntilInSync(MAX);
            l.cut();
        }
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            Link l = link(node, device, 16, 2);
            l.runUntilInSync(MAX);
            l.cut();
            List<SyncMessage> all = new ArrayList<>(l.seenByA);
            all.addAll(l.seenByB);
            assertThat(count(all, SyncMessage.BodyCase.DOC_REQUEST)).isZero();
            assertThat(all).filteredOn(SyncMessage::hasEvents).allSatisfy(m -> assertThat(m.getEvents().getEventsCount()).isZero());
            assertThat(all.size()).isLessThanOrEqualTo(6); // Hello, empty caught-up Events, Ack each way
            assertConverged(node, device);
        }
    }

    @Test
    void restoredNodeGetsANewEpochFallsBackToHeadsAndLosesNothing() throws Exception {
        Path backup = tmp.resolve("backup.db");
        long oldEpoch;
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            for (int i = 0; i < 10; i++) put(node, "n" + i, "k", "v");
            put(device, "d0", "k", "v");
            Link l = link(node, device, 4, 2);
            l.runUntilInSync(MAX);
            l.cut();
            node.backupTo(backup);
            oldEpoch = node.epoch();
            // Written after the backup, on both sides, and synced: the restored node lacks it all.
            put(node, "afterBackupOnNode", "k", "node");
            put(node, "n3", "edited", "after-backup");
            put(device, "afterBackupOnDevice", "k", "device");
            Link l2 = link(node, device, 4, 2);
            l2.runUntilInSync(MAX);
            l2.cut();
        }
        // Restore the node's database from the backup.
        for (String f : List.of("node.db", "node.db-wal", "node.db-shm")) Files.deleteIfExists(nodeDir().resolve(f));
        Files.copy(backup, nodeDir().resolve("node.db"));
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            assertThat(node.epoch()).isNotEqualTo(oldEpoch);
            assertThat(node.info("afterBackupOnNode")).isEmpty();
            Link l = link(node, device, 4, 2);
            l.runUntilInSync(MAX);
            l.cut();
            // The node restarted its stream from the beginning as a heads comparison...
            assertThat(l.seenByB).filteredOn(SyncMessage::hasEvents).first()
                    .satisfies(m -> assertThat(m.getEvents().getRescan()).isTrue());
            // ...and everything written after the backup came back from the device.
            assertConverged(node, device);
            assertThat(value(node, "afterBackupOnNode", "k")).contains("node");
            assertThat(value(node, "afterBackupOnDevice", "k")).contains("device");
            assertThat(value(node, "n3", "edited")).contains("after-backup");
            assertThat(device.peerPositions().get("node").read().epoch()).isEqualTo(node.epoch());
        }
    }

    @Test
    void restoredDeviceGetsEverythingBackFromTheNode() throws Exception {
        Path backup = tmp.resolve("device-backup.db");
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            put(device, "d0", "k", "v");
            put(node, "n0", "k", "v");
            Link l = link(node, device, 4, 2);
            l.runUntilInSync(MAX);
            l.cut();
            device.backupTo(backup);
            put(device, "writtenOnDeviceAfterBackup", "k", "device");
            put(device, "d0", "edit", "after-backup");
            put(node, "writtenOnNodeAfterBackup", "k", "node");
            Link l2 = link(node, device, 4, 2);
            l2.runUntilInSync(MAX);
            l2.cut();
        }
        for (String f : List.of("node.db", "node.db-wal", "node.db-shm")) Files.deleteIfExists(deviceDir().resolve(f));
        Files.copy(backup, deviceDir().resolve("node.db"));
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            assertThat(device.info("writtenOnDeviceAfterBackup")).isEmpty();
            Link l = link(node, device, 4, 2);
            l.runUntilInSync(MAX);
            l.cut();
            assertConverged(node, device);
            assertThat(value(device, "writtenOnDeviceAfterBackup", "k")).contains("device");
            assertThat(value(device, "d0", "edit")).contains("after-backup");
            assertThat(value(device, "writtenOnNodeAfterBackup", "k")).contains("node");
        }
    }

    @Test
    void nodeToNodeChangesAreBackfillDuringCatchUpAndNewWhenLive() {
        try (SqliteDocumentService a = open(nodeDir()); SqliteDocumentService b = open(deviceDir())) {
            for (int i = 0; i < 5; i++) {
                a.applyChanges("doc" + i, Docs.saved("k", "v"), "alice", Reach.FAMILY, EventKind.LOCAL, "t").join();
            }
            Link l = new Link(new Link.Side(a, "node-a", new Requester.ClusterNode("node-b")),
                    new Link.Side(b, "node-b", new Requester.ClusterNode("node-a")), REACH, clock, 2, 2);
            l.runUntilInSync(MAX);
            assertThat(b.rawEventsSince(0, 100)).extracting(e -> e.kind()).containsOnly(EventKind.BACKFILL);
            assertThat(b.info("doc0").orElseThrow().owner()).isEqualTo("alice");
            assertThat(b.info("doc0").orElseThrow().reach()).isEqualTo(Reach.FAMILY);
            long before = b.position().seq();
            a.edit("doc0", "alice", Reach.FAMILY, d -> Docs.set(d, "live", "yes"), "t").join();
            l.runUntilInSync(MAX);
            assertThat(b.rawEventsSince(before, 100)).singleElement().extracting(e -> e.kind()).isEqualTo(EventKind.NEW);
            assertThat(value(b, "doc0", "live")).contains("yes");
            l.cut();
        }
    }

    @Test
    void reachDecidesWhatAFamilyMembersDeviceReceivesAndDeniedLooksMissing() {
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService carolDevice = open(deviceDir())) {
            node.applyChanges("alice-private", Docs.saved("k", "v"), "alice", Reach.PRIVATE, EventKind.LOCAL, "t").join();
            node.applyChanges("bob-private", Docs.saved("k", "v"), "bob", Reach.PRIVATE, EventKind.LOCAL, "t").join();
            node.applyChanges("alice-family", Docs.saved("k", "v"), "alice", Reach.FAMILY, EventKind.LOCAL, "t").join();
            node.applyChanges("bob-community", Docs.saved("k", "v"), "bob", Reach.COMMUNITY, EventKind.LOCAL, "t").join();
            node.applyChanges("bob-commons", Docs.saved("k", "v"), "bob", Reach.COMMONS, EventKind.LOCAL, "t").join();
            node.applyChanges("carol-private", Docs.saved("k", "v"), "carol", Reach.PRIVATE, EventKind.LOCAL, "t").join();
            Link l = new Link(new Link.Side(node, "node", new Requester.Device("carol-phone", "carol")),
                    new Link.Side(carolDevice, "carol-phone", NODE), REACH, clock, 3, 2);
            l.runUntilInSync(MAX);
            assertThat(ids(carolDevice)).containsExactlyInAnyOrder("alice-family", "bob-community", "bob-commons",
                    "carol-private");
            assertThat(l.seenByB).filteredOn(SyncMessage::hasEvents)
                    .flatExtracting(m -> m.getEvents().getEventsList()).extracting(e -> e.getDocId())
                    .doesNotContain("alice-private", "bob-private");

            // Asking directly for a denied document gets exactly the answer for a missing one.
            l.a.receive(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("bob-private")
                    .setRequestId(77)).build());
            l.a.receive(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("no-such-doc")
                    .setRequestId(78)).build());
            List<SyncMessage> answers = new ArrayList<>();
            Probe.await(() -> {
                for (SyncMessage m; (m = l.toB.poll()) != null; ) if (m.hasDocResponse()) answers.add(m);
                return answers.size() >= 2;
            });
            assertThat(answers).hasSize(2);
            answers.sort(java.util.Comparator.comparingLong(m -> m.getDocResponse().getRequestId()));
            DocResponse denied = answers.get(0).getDocResponse();
            DocResponse missing = answers.get(1).getDocResponse();
            assertThat(denied.getNotFound()).isTrue();
            assertThat(denied.toBuilder().setDocId("x").setRequestId(0).build())
                    .isEqualTo(missing.toBuilder().setDocId("x").setRequestId(0).build());
            l.cut();
        }
    }

    @Test
    void badInputGetsATypedErrorAndTheSessionGoesOn() {
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            put(node, "n0", "k", "v");
            Probe p = new Probe(node, DEVICE, REACH, SyncSession.Config.defaults("node", "device-1"), clock).start();
            // Before Hello.
            p.deliver(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("n0")).build());
            assertThat(p.last().getError().getCode()).isEqualTo(SyncError.Code.BAD_REQUEST);
            p.deliver(SyncMessage.newBuilder().setHello(org.elohim.api.v1.Hello.newBuilder().setProtocolVersion(1)
                    .setMyPosition(SyncProto.toProto(device.position()))).build());
            // A wrong-length hash never reaches Automerge.
            p.deliver(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("n0")
                    .addHeads(com.google.protobuf.ByteString.copyFrom(new byte[31]))).build());
            assertThat(p.last().getError().getCode()).isEqualTo(SyncError.Code.BAD_REQUEST);
            // Events naming a wrong-length head: rejected as a whole.
            p.deliver(SyncMessage.newBuilder().setEvents(org.elohim.api.v1.Events.newBuilder()
                    .setEpoch(device.epoch()).setThroughSeq(1).addEvents(org.elohim.api.v1.Event.newBuilder()
                            .setSeq(1).setDocId("x").addHeads(com.google.protobuf.ByteString.copyFrom(new byte[5]))))
                    .build());
            assertThat(p.last().getError().getCode()).isEqualTo(SyncError.Code.BAD_REQUEST);
            // Garbage changes in a response: REJECTED_CHANGES, nothing stored, the batch still completes.
            p.deliver(SyncMessage.newBuilder().setEvents(org.elohim.api.v1.Events.newBuilder()
                    .setEpoch(device.epoch()).setThroughSeq(1).setCaughtUp(true)
                    .addEvents(org.elohim.api.v1.Event.newBuilder().setSeq(1).setDocId("evil")
                            .addHeads(com.google.protobuf.ByteString.copyFrom(new byte[32])))).build());
            DocRequest req = p.out().stream().filter(SyncMessage::hasDocRequest).reduce((x, y) -> y).orElseThrow()
                    .getDocRequest();
            assertThat(req.getDocId()).isEqualTo("evil");
            p.deliver(SyncMessage.newBuilder().setDocResponse(DocResponse.newBuilder().setDocId("evil")
                    .setRequestId(req.getRequestId()).setChanges(com.google.protobuf.ByteString.copyFromUtf8("not automerge")))
                    .build());
            Probe.await(() -> p.out().stream().anyMatch(SyncMessage::hasAck));
            assertThat(p.out()).filteredOn(SyncMessage::hasError).extracting(m -> m.getError().getCode())
                    .contains(SyncError.Code.REJECTED_CHANGES);
            assertThat(node.info("evil")).isEmpty();
            // Still serving: a good request is answered.
            p.deliver(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("n0").setRequestId(9)).build());
            assertThat(p.last().getDocResponse().getChanges().isEmpty()).isFalse();
            assertThat(p.end).isNull();
            // Unsupported version: typed error, session ends.
            Probe v2 = new Probe(node, DEVICE, REACH, SyncSession.Config.defaults("node", "other"), clock).start();
            v2.deliver(SyncMessage.newBuilder().setHello(org.elohim.api.v1.Hello.newBuilder().setProtocolVersion(2)).build());
            assertThat(v2.out()).filteredOn(SyncMessage::hasError).extracting(m -> m.getError().getCode())
                    .contains(SyncError.Code.UNSUPPORTED_VERSION);
            assertThat(v2.session.status().ended()).isTrue();
            assertThat(v2.end.protocolError()).isTrue();
        }
    }

    @Test
    void requestsOfABatchGoOutTogetherBoundedByTheOutstandingLimit() {
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            Probe p = new Probe(node, DEVICE, REACH, SyncSession.Config.defaults("node", "device-1"), clock).start();
            p.deliver(SyncMessage.newBuilder().setHello(org.elohim.api.v1.Hello.newBuilder().setProtocolVersion(1)
                    .setMyPosition(SyncProto.toProto(new StreamPosition(device.epoch(), 300)))).build());
            int total = SyncSession.MAX_OUTSTANDING_REQUESTS + 44;
            org.elohim.api.v1.Events.Builder batch = org.elohim.api.v1.Events.newBuilder().setEpoch(device.epoch())
                    .setAfterSeq(0).setThroughSeq(total).setCaughtUp(true);
            for (int i = 1; i <= total; i++) {
                byte[] head = new byte[32];
                head[0] = (byte) i;
                head[1] = (byte) (i >> 8);
                batch.addEvents(org.elohim.api.v1.Event.newBuilder().setSeq(i).setDocId("d" + i)
                        .addHeads(com.google.protobuf.ByteString.copyFrom(head)));
            }
            p.clear();
            p.deliver(SyncMessage.newBuilder().setEvents(batch).build());
            // One flight: every request up to the bound, none of the rest yet, no Ack.
            assertThat(count(p.out(), SyncMessage.BodyCase.DOC_REQUEST)).isEqualTo(SyncSession.MAX_OUTSTANDING_REQUESTS);
            assertThat(count(p.out(), SyncMessage.BodyCase.ACK)).isZero();
            assertThat(p.session.status().pendingRequests()).isEqualTo(total);

            // Each answer lets one more request out; the batch is acknowledged only when all are done.
            List<DocRequest> asked = new ArrayList<>();
            p.out().stream().filter(SyncMessage::hasDocRequest).forEach(m -> asked.add(m.getDocRequest()));
            for (int i = 0; i < asked.size(); i++) {
                DocRequest q = asked.get(i);
                p.clear();
                p.deliver(SyncMessage.newBuilder().setDocResponse(DocResponse.newBuilder().setDocId(q.getDocId())
                        .setRequestId(q.getRequestId()).setNotFound(true)).build());
                p.out().stream().filter(SyncMessage::hasDocRequest).forEach(m -> asked.add(m.getDocRequest()));
                if (asked.size() < total) {
                    assertThat(count(p.out(), SyncMessage.BodyCase.DOC_REQUEST)).isEqualTo(1);
                }
            }
            assertThat(asked).extracting(DocRequest::getDocId).doesNotHaveDuplicates().hasSize(total);
            Probe.await(() -> p.out().stream().anyMatch(SyncMessage::hasAck));
            assertThat(p.session.status().pendingRequests()).isZero();
        }
    }

    @Test
    void lostResponsesAndAcksAreRecoveredByTimeoutsOnTheFakeClock() {
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            for (int i = 0; i < 5; i++) put(node, "n" + i, "k", "v" + i);
            Link l = link(node, device, 2, 1);
            boolean[] droppedResponse = {false};
            boolean[] droppedAck = {false};
            l.dropToB = m -> {
                if (m.hasDocResponse() && !droppedResponse[0]) return droppedResponse[0] = true;
                if (m.hasAck() && !droppedAck[0]) return droppedAck[0] = true;
                return false;
            };
            l.dropToA = m -> {
                if (m.hasAck() && !droppedAck[0]) return droppedAck[0] = true;
                return false;
            };
            // Deliver until stuck: without the clock nothing would move again.
            for (int i = 0; i < 2000 && !(l.a.isInSync() && l.b.isInSync()); i++) {
                if (!l.step()) Link.sleepMillis(1);
                if (i > 300 && l.toA.isEmpty() && l.toB.isEmpty()) break;
            }
            assertThat(droppedResponse[0]).isTrue();
            assertThat(droppedAck[0]).isTrue();
            assertThat(l.a.isInSync() && l.b.isInSync()).isFalse();
            clock.addAndGet(60_000);
            l.a.tick();
            l.b.tick();
            l.runUntilInSync(MAX);
            assertConverged(node, device);
            l.cut();
        }
    }

    @Test
    void largeDocumentsAreSplitIntoSeveralResponses() {
        try (SqliteDocumentService node = open(nodeDir()); SqliteDocumentService device = open(deviceDir())) {
            SplittableRandom rnd = new SplittableRandom(9);
            for (int i = 0; i < 40; i++) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < 4000; j++) sb.append((char) ('a' + rnd.nextInt(26)));
                put(node, "big", "k" + i, sb.toString());
            }
            Link l = new Link(new Link.Side(node, "node", DEVICE), new Link.Side(device, "device-1", NODE), REACH,
                    clock, 8, 2, 70_000);
            l.runUntilInSync(MAX);
            // ~160 KB of changes for a peer that accepts 70 KB messages: split at change boundaries.
            List<SyncMessage> parts = l.seenByB.stream().filter(SyncMessage::hasDocResponse).toList();
            assertThat(parts).hasSizeGreaterThanOrEqualTo(3);
            assertThat(parts).allSatisfy(m -> assertThat(m.getSerializedSize()).isLessThan(70_000));
            assertThat(parts.get(parts.size() - 1).getDocResponse().getMore()).isFalse();
            assertThat(parts.get(0).getDocResponse().getMore()).isTrue();
            assertConverged(node, device);
            assertThat(value(device, "big", "k39")).isPresent();
            l.cut();
        }
    }

    @Test
    void positionsAreEpochQualified() {
        try (SqliteDocumentService node = open(nodeDir())) {
            assertThat(node.position()).isEqualTo(new StreamPosition(node.epoch(), 0));
        }
    }
}
