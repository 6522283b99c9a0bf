package org.elohim.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.automerge.Document;
import org.elohim.api.v1.DocRequest;
import org.elohim.api.v1.DocResponse;
import org.elohim.api.v1.Event;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.Events;
import org.elohim.api.v1.Hello;
import org.elohim.api.v1.StreamPosition;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;
import org.elohim.sync.SyncPolicy;
import org.elohim.sync.SyncSession;
import org.elohim.sync.SyncTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync engine on the device's store, driven message by message on the test thread (no
 * network, fixed clock, the session's executor run by hand).
 */
class DeviceSyncSessionTest {
    private static final long NODE_EPOCH = 0x1234;

    @TempDir
    Path dir;
    private ClientStore store;
    private final List<SyncMessage> sent = new ArrayList<>();
    private final List<String> changed = new ArrayList<>();
    private final java.util.ArrayDeque<Runnable> tasks = new java.util.ArrayDeque<>();
    private int idle;
    private SyncSession session;

    @BeforeEach
    void open() {
        store = ClientStore.open(dir);
        // The session's executor is the test thread: every step runs when the test says so.
        session = new SyncSession(new ClientSyncStore(store, "alice", () -> 1_000L),
                SyncPolicy.trusting(EventKind.EVENT_KIND_NEW),
                SyncSession.Config.defaults("dev-x", "node").withBatching(128, 4), () -> 1_000L,
                new SyncTransport() {
                    @Override
                    public void send(SyncMessage message) {
                        sent.add(message);
                    }

                    @Override
                    public void close(SessionEnd end) {
                        sent.add(null);
                    }
                }, tasks::add, new SyncSession.Listener() {
                    @Override
                    public void documentApplied(String docId) {
                        changed.add(docId);
                    }

                    @Override
                    public void inSync() {
                        idle++;
                    }
                });
    }

    private void runAll() {
        for (int i = 0; i < 100_000 && !tasks.isEmpty(); i++) tasks.poll().run();
        assertThat(tasks).isEmpty();
    }

    private void start() {
        session.start();
        runAll();
    }

    private void deliver(SyncMessage m) {
        session.receive(m);
        runAll();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static SyncMessage nodeHello(long epochOfMine, long seqOfMine) {
        return SyncMessage.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(1).setPeerId("node")
                .setMyPosition(StreamPosition.newBuilder().setEpoch(NODE_EPOCH).setSeq(5))
                .setYourPosition(StreamPosition.newBuilder().setEpoch(epochOfMine).setSeq(seqOfMine))).build();
    }

    private static byte[] docBytes(String key, String value) {
        Document d = new Document();
        try {
            Docs.set(key, value).accept(d);
            return d.save();
        } finally {
            d.free();
        }
    }

    private static List<byte[]> headsOf(byte[] saved) {
        Document d = Document.load(saved);
        try {
            return ChangeHashes.fromAutomerge(d.getHeads());
        } finally {
            d.free();
        }
    }

    private List<SyncMessage> sentOf(SyncMessage.BodyCase kind) {
        return sent.stream().filter(m -> m != null && m.getBodyCase() == kind).toList();
    }

    @Test
    void catchUpRequestsMissingDocumentsAndAcknowledgesOnlyAfterTheyAreStored() {
        start();
        assertThat(sent.get(0).getHello().getYourPosition().getSeq()).isZero();
        deliver(nodeHello(0, 0));
        // Nothing of mine yet: an empty, caught-up batch.
        assertThat(sentOf(SyncMessage.BodyCase.EVENTS)).singleElement()
                .satisfies(m -> assertThat(m.getEvents().getCaughtUp()).isTrue());

        byte[] remote = docBytes("k", "v");
        Event.Builder ev = Event.newBuilder().setSeq(5).setDocId("doc").setKind(EventKind.EVENT_KIND_LOCAL);
        headsOf(remote).forEach(h -> ev.addHeads(ByteString.copyFrom(h)));
        deliver(SyncMessage.newBuilder().setEvents(Events.newBuilder().setEpoch(NODE_EPOCH).setAfterSeq(0)
                .setThroughSeq(5).setCaughtUp(true).addEvents(ev)).build());
        DocRequest q = sentOf(SyncMessage.BodyCase.DOC_REQUEST).get(0).getDocRequest();
        assertThat(q.getDocId()).isEqualTo("doc");
        assertThat(q.getHeadsList()).isEmpty();
        assertThat(sentOf(SyncMessage.BodyCase.ACK)).isEmpty();
        assertThat(store.peer("node").read().seq()).isZero();

        deliver(SyncMessage.newBuilder().setDocResponse(DocResponse.newBuilder().setDocId("doc")
                .setRequestId(q.getRequestId()).setChanges(ByteString.copyFrom(remote))
                .setReach(org.elohim.api.v1.Reach.REACH_FAMILY).setOwner("bob")).build());
        assertThat(store.doc("doc")).hasValueSatisfying(d -> {
            assertThat(d.reach()).isEqualTo(Reach.FAMILY);
            assertThat(d.owner()).isEqualTo("bob");
        });
        assertThat(store.peer("node").read()).isEqualTo(new ClientStore.Position(NODE_EPOCH, 5));
        assertThat(sentOf(SyncMessage.BodyCase.ACK)).singleElement()
                .satisfies(m -> assertThat(m.getAck().getPosition().getSeq()).isEqualTo(5));
        assertThat(changed).containsExactly("doc");
        // What I received is in my own stream now (NEW), so it is offered back to the node.
        assertThat(store.eventsSince(0, 10)).singleElement()
                .satisfies(e -> assertThat(e.kind()).isEqualTo(EventKind.EVENT_KIND_NEW));
        assertThat(session.isInSync()).isFalse();
    }

    @Test
    void aNodeThatReadAnotherLifeOfMyStreamGetsARescan() {
        store.saveDoc("mine", docBytes("a", "b"), headsOf(docBytes("a", "b")), Reach.PRIVATE, "alice",
                EventKind.EVENT_KIND_LOCAL, 1);
        start();
        deliver(nodeHello(store.epoch() + 1, 99));
        Events batch = sentOf(SyncMessage.BodyCase.EVENTS).get(0).getEvents();
        assertThat(batch.getRescan()).isTrue();
        assertThat(batch.getAfterSeq()).isZero();
        assertThat(batch.getEventsList()).extracting(Event::getDocId).containsExactly("mine");
    }

    @Test
    void aStoreRestoredFromACopyStartsANewEpoch() throws Exception {
        long epoch = store.epoch();
        store.close();
        store = ClientStore.open(dir);
        assertThat(store.epoch()).isEqualTo(epoch);
        store.close();
        java.nio.file.Files.delete(dir.resolve(ClientStore.FILE_NAME + ".instance"));
        store = ClientStore.open(dir);
        assertThat(store.epoch()).isNotEqualTo(epoch).isNotZero();
    }

    @Test
    void aCopyOfTheStoreFromAnEarlierRunStartsANewEpochEvenWithItsMarker() throws Exception {
        long epoch = store.epoch();
        store.close();
        // A backup of the files taken between runs: database and marker agree in it...
        java.nio.file.Path backup = dir.resolveSibling(dir.getFileName() + "-backup");
        java.nio.file.Files.createDirectories(backup);
        java.nio.file.Files.copy(dir.resolve(ClientStore.FILE_NAME), backup.resolve(ClientStore.FILE_NAME));
        store = ClientStore.open(dir);
        assertThat(store.epoch()).isEqualTo(epoch); // a clean restart keeps the epoch
        store.close();
        // ...but the device ran on (its token rotated) before the database was copied back.
        java.nio.file.Files.copy(backup.resolve(ClientStore.FILE_NAME), dir.resolve(ClientStore.FILE_NAME),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        java.nio.file.Files.deleteIfExists(dir.resolve(ClientStore.FILE_NAME + "-wal"));
        java.nio.file.Files.deleteIfExists(dir.resolve(ClientStore.FILE_NAME + "-shm"));
        store = ClientStore.open(dir);
        assertThat(store.epoch()).isNotEqualTo(epoch).isNotZero();
    }

    @Test
    void aNodeThatReadPastMyEndMakesMeStartANewEpochForgetWhatIReadAndReconnect() {
        byte[] mine = docBytes("a", "b");
        store.saveDoc("mine", mine, headsOf(mine), Reach.PRIVATE, "alice", EventKind.EVENT_KIND_LOCAL, 1);
        store.setRead("node", new ClientStore.Position(NODE_EPOCH, 3));
        long epoch = store.epoch();
        start();
        // The node has read my stream to 9 in this epoch, but it ends at 1: this store went back.
        deliver(nodeHello(epoch, 9));
        assertThat(store.epoch()).isNotEqualTo(epoch);
        assertThat(store.peer("node").read()).isEqualTo(ClientStore.Position.NONE);
        assertThat(session.status().ended()).isTrue();
        assertThat(sent).last().isNull(); // the stream is closed: the next session starts over by heads
        assertThat(sentOf(SyncMessage.BodyCase.ACK)).isEmpty();
    }

    @Test
    void badInputGetsTypedErrorsAndNothingIsStored() {
        start();
        deliver(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("x")).build());
        assertThat(sentOf(SyncMessage.BodyCase.ERROR)).singleElement()
                .satisfies(m -> assertThat(m.getError().getCode()).isEqualTo(SyncError.Code.BAD_REQUEST));

        deliver(nodeHello(0, 0));
        deliver(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("x")
                .addHeads(ByteString.copyFrom(new byte[31]))).build());
        deliver(SyncMessage.newBuilder().setEvents(Events.newBuilder().setEpoch(NODE_EPOCH).setThroughSeq(1)
                .addEvents(Event.newBuilder().setDocId("y").addHeads(ByteString.copyFrom(new byte[5])))).build());
        assertThat(sentOf(SyncMessage.BodyCase.ERROR)).hasSize(3);
        assertThat(sentOf(SyncMessage.BodyCase.DOC_REQUEST)).isEmpty();

        // Corrupt changes for a requested document: rejected, reported, not stored; the batch still completes.
        Event.Builder ev = Event.newBuilder().setSeq(2).setDocId("z").addHeads(ByteString.copyFrom(new byte[32]));
        deliver(SyncMessage.newBuilder().setEvents(Events.newBuilder().setEpoch(NODE_EPOCH).setAfterSeq(0)
                .setThroughSeq(2).addEvents(ev)).build());
        DocRequest q = sentOf(SyncMessage.BodyCase.DOC_REQUEST).get(0).getDocRequest();
        deliver(SyncMessage.newBuilder().setDocResponse(DocResponse.newBuilder().setDocId("z")
                .setRequestId(q.getRequestId()).setChanges(ByteString.copyFromUtf8("garbage bytes"))).build());
        assertThat(sentOf(SyncMessage.BodyCase.ERROR)).last()
                .satisfies(m -> assertThat(m.getError().getCode()).isEqualTo(SyncError.Code.REJECTED_CHANGES));
        assertThat(store.doc("z")).isEmpty();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void convergedWhenBothStreamsAreAcknowledged() {
        byte[] mine = docBytes("a", "b");
        long seq = store.saveDoc("mine", mine, headsOf(mine), Reach.PRIVATE, "alice", EventKind.EVENT_KIND_LOCAL, 1);
        start();
        deliver(nodeHello(store.epoch(), 0));
        deliver(SyncMessage.newBuilder().setEvents(Events.newBuilder().setEpoch(NODE_EPOCH).setAfterSeq(0)
                .setThroughSeq(5).setCaughtUp(true)).build());
        assertThat(idle).isZero();
        deliver(SyncMessage.newBuilder().setAck(org.elohim.api.v1.Ack.newBuilder()
                .setPosition(StreamPosition.newBuilder().setEpoch(store.epoch()).setSeq(seq))).build());
        assertThat(idle).isEqualTo(1);
        assertThat(session.isInSync()).isTrue();
        assertThat(store.peer("node").acked().seq()).isEqualTo(seq);
    }
    @Test
    void aDeviceInSyncSendsHelloAndItsEventsAtOnceAndKnowsAfterOneRoundTrip() {
        byte[] mine = docBytes("a", "b");
        long seq = store.saveDoc("mine", mine, headsOf(mine), Reach.PRIVATE, "alice", EventKind.EVENT_KIND_LOCAL, 1);
        store.setAcked("node", new ClientStore.Position(store.epoch(), seq));
        store.setRead("node", new ClientStore.Position(NODE_EPOCH, 5));
        start();
        // First flight, before any answer: Hello, then the (empty) events after what the node acknowledged.
        assertThat(sent).extracting(SyncMessage::getBodyCase)
                .containsExactly(SyncMessage.BodyCase.HELLO, SyncMessage.BodyCase.EVENTS);
        Events first = sent.get(1).getEvents();
        assertThat(first.getAfterSeq()).isEqualTo(seq);
        assertThat(first.getThroughSeq()).isEqualTo(seq);
        assertThat(first.getCaughtUp()).isTrue();
        assertThat(first.getEventsList()).isEmpty();

        // The node's one flight: Hello confirming the guess, its empty events, its Ack.
        deliver(nodeHello(store.epoch(), seq));
        deliver(SyncMessage.newBuilder().setEvents(Events.newBuilder().setEpoch(NODE_EPOCH).setAfterSeq(5)
                .setThroughSeq(5).setCaughtUp(true)).build());
        deliver(SyncMessage.newBuilder().setAck(org.elohim.api.v1.Ack.newBuilder()
                .setPosition(StreamPosition.newBuilder().setEpoch(store.epoch()).setSeq(seq))).build());
        assertThat(session.isInSync()).isTrue();
        assertThat(idle).isEqualTo(1);
        assertThat(sentOf(SyncMessage.BodyCase.EVENTS)).hasSize(1); // nothing sent twice
        assertThat(sentOf(SyncMessage.BodyCase.DOC_REQUEST)).isEmpty();
    }

    @Test
    void eventsSentBeforeTheNodesHelloAreSentAgainFromWhereTheNodeReallyIs() {
        byte[] a = docBytes("a", "1");
        long seqA = store.saveDoc("a", a, headsOf(a), Reach.PRIVATE, "alice", EventKind.EVENT_KIND_LOCAL, 1);
        byte[] b = docBytes("b", "2");
        long seqB = store.saveDoc("b", b, headsOf(b), Reach.PRIVATE, "alice", EventKind.EVENT_KIND_LOCAL, 2);
        store.setAcked("node", new ClientStore.Position(store.epoch(), seqB));
        start();
        assertThat(sentOf(SyncMessage.BodyCase.EVENTS)).singleElement()
                .satisfies(m -> assertThat(m.getEvents().getAfterSeq()).isEqualTo(seqB));

        // The node was restored from a backup: it has read my stream only to seqA.
        deliver(nodeHello(store.epoch(), seqA));
        List<SyncMessage> events = sentOf(SyncMessage.BodyCase.EVENTS);
        assertThat(events).hasSize(2);
        Events again = events.get(1).getEvents();
        assertThat(again.getAfterSeq()).isEqualTo(seqA);
        assertThat(again.getThroughSeq()).isEqualTo(seqB);
        assertThat(again.getRescan()).isFalse();
        assertThat(again.getEventsList()).extracting(Event::getDocId).containsExactly("b");
        // The stored position does not go back within my epoch (it only seeds the next early send).
        assertThat(store.peer("node").acked().seq()).isEqualTo(seqB);
        assertThat(session.isInSync()).isFalse();
    }
    @Test
    void requestsOfABatchGoOutTogetherBoundedByTheOutstandingLimit() {
        start();
        deliver(nodeHello(0, 0));
        int total = SyncSession.MAX_OUTSTANDING_REQUESTS + 44;
        Events.Builder batch = Events.newBuilder().setEpoch(NODE_EPOCH).setAfterSeq(0).setThroughSeq(total)
                .setCaughtUp(true);
        for (int i = 1; i <= total; i++) {
            byte[] head = new byte[32];
            head[0] = (byte) i;
            head[1] = (byte) (i >> 8);
            batch.addEvents(Event.newBuilder().setSeq(i).setDocId("d" + i).addHeads(ByteString.copyFrom(head)));
        }
        sent.clear();
        deliver(SyncMessage.newBuilder().setEvents(batch).build());
        assertThat(sentOf(SyncMessage.BodyCase.DOC_REQUEST)).hasSize(SyncSession.MAX_OUTSTANDING_REQUESTS);

        List<DocRequest> asked = new ArrayList<>();
        sentOf(SyncMessage.BodyCase.DOC_REQUEST).forEach(m -> asked.add(m.getDocRequest()));
        for (int i = 0; i < asked.size(); i++) {
            DocRequest q = asked.get(i);
            sent.clear();
            deliver(SyncMessage.newBuilder().setDocResponse(DocResponse.newBuilder().setDocId(q.getDocId())
                    .setRequestId(q.getRequestId()).setNotFound(true)).build());
            List<SyncMessage> more = sentOf(SyncMessage.BodyCase.DOC_REQUEST);
            more.forEach(m -> asked.add(m.getDocRequest()));
            if (asked.size() < total) assertThat(more).hasSize(1);
            if (i < total - 1) assertThat(sentOf(SyncMessage.BodyCase.ACK)).isEmpty();
        }
        assertThat(asked).extracting(DocRequest::getDocId).doesNotHaveDuplicates().hasSize(total);
        assertThat(sentOf(SyncMessage.BodyCase.ACK)).singleElement()
                .satisfies(m -> assertThat(m.getAck().getPosition().getSeq()).isEqualTo(total));
    }
}
