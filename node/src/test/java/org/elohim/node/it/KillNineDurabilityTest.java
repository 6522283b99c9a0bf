package org.elohim.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.automerge.AmValue;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.GetDocumentRequest;
import org.elohim.api.v1.PutDocumentRequest;
import org.elohim.api.v1.Reach;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.DataDirLock;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.NodeStorage;
import org.elohim.node.runtime.TestDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node runs as a real child process; paired-device writers drive PutDocument over gRPC from
 * this JVM and record every acknowledged write; the node is killed with SIGKILL mid-load and
 * restarted; every acknowledged write must be there, and the load goes on from where it was.
 */
class KillNineDurabilityTest {
    static final int WRITERS = 4;
    static final int KILL_AFTER_ACKS = 400;
    static final long MAX_LOAD_MILLIS = 6_000;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void everyAcknowledgedWriteSurvivesKillNine() throws Exception {
        killCycles(1);
    }

    @Test
    @Tag("slow")
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void everyAcknowledgedWriteSurvivesRepeatedKillNine() throws Exception {
        killCycles(6);
    }

    private void killCycles(int cycles) throws Exception {
        Path data = tmp.resolve("data");
        TestDevice device = new TestDevice();
        try (DataDirLock lock = DataDirLock.tryAcquire(new NodeFiles(data)).orElseThrow();
             NodeStorage storage = NodeStorage.open(NodeConfig.ephemeral(data), null)) {
            device.pairWith(storage, "alice");
        }
        List<Writer> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) writers.add(new Writer(w, device));
        try {
            for (int cycle = 1; cycle <= cycles; cycle++) {
                try (NodeProcess node = NodeProcess.start(data, tmp.resolve("node-" + cycle + ".log"))) {
                    if (cycle > 1) verify(node, device, writers); // what the previous process acknowledged
                    int before = Writer.total(writers);
                    int acked = load(node, writers);
                    assertThat(acked - before).as("load was running when killed; log:\n" + node.log()).isPositive();
                    System.out.printf("cycle %d: kill -9 after %d acknowledged writes (%d in all)%n", cycle, acked - before,
                            acked);
                }
                assertThat(Files.exists(data.resolve("ports.json"))).as("a killed node leaves its ports.json").isTrue();
            }
            try (NodeProcess node = NodeProcess.start(data, tmp.resolve("node-final.log"))) {
                int verified = verify(node, device, writers);
                System.out.printf("%d acknowledged writes verified after the last restart%n", verified);
                // SIGTERM: the JVM exits 143 after the shutdown hook closed the node
                assertThat(node.terminate()).as("stop on SIGTERM").isIn(0, 143);
                assertThat(node.log()).contains("elohim-node stopped");
                assertThat(Files.exists(data.resolve("ports.json"))).as("removed on clean stop").isFalse();
            }
        } finally {
            for (Writer w : writers) w.close();
        }
    }

    /** Runs the writers until KILL_AFTER_ACKS more writes are acknowledged (or time is up), then SIGKILLs the node. */
    private static int load(NodeProcess node, List<Writer> writers) throws Exception {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(writers.size());
        int target = Writer.total(writers) + KILL_AFTER_ACKS;
        for (Writer w : writers) {
            Thread t = new Thread(() -> {
                try {
                    w.run(ch, stop);
                } finally {
                    done.countDown();
                }
            }, "writer-" + w.id);
            t.setDaemon(true);
            t.start();
        }
        long until = System.currentTimeMillis() + MAX_LOAD_MILLIS;
        while (Writer.total(writers) < target && System.currentTimeMillis() < until) Thread.sleep(5);
        node.kill9(); // writes are in flight here
        stop.set(true);
        assertThat(done.await(30, TimeUnit.SECONDS)).as("writers stop once the node is gone").isTrue();
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        return Writer.total(writers);
    }

    /** Every acknowledged write is readable from the running node; returns how many were checked. */
    private static int verify(NodeProcess node, TestDevice device, List<Writer> writers) throws Exception {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
        try {
            var stub = ElohimNodeGrpc.newBlockingStub(ch).withInterceptors(device.grpcAuth());
            int verified = 0;
            int documents = 0;
            for (Writer w : writers) {
                List<Integer> keys = w.ackedKeys();
                if (!keys.isEmpty()) {
                    documents++;
                    Document doc = Document.load(stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .getDocument(GetDocumentRequest.newBuilder().setDocId(w.logId()).build())
                            .getAutomerge().toByteArray());
                    try {
                        for (int k : keys) {
                            Optional<AmValue> v = doc.get(ObjectId.ROOT, "k" + k);
                            assertThat(v).as("acknowledged key k%d of %s", k, w.logId()).isPresent();
                            assertThat(((AmValue.Int) v.get()).getValue()).isEqualTo(k);
                            verified++;
                        }
                    } finally {
                        doc.free();
                    }
                }
                for (String id : w.ackedNewDocs()) {
                    documents++;
                    assertThat(stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .getDocument(GetDocumentRequest.newBuilder().setDocId(id).build()).getOwner())
                            .as(id).isEqualTo("alice");
                    verified++;
                }
            }
            assertThat(verified).isEqualTo(Writer.total(writers));
            // the restarted process also serves its HTTP API, counting at least the acknowledged documents
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + node.httpPort() + "/health")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(new ObjectMapper().readTree(health.body()).path("documents").asLong()).isGreaterThanOrEqualTo(documents);
            return verified;
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * One device writer: incremental changes to its own document "log-W" (key kN = N), and every
     * fourth step a brand-new document. A write counts only once its response arrived. The local
     * Automerge document outlives node restarts: after one, the next change is sent relative to the
     * last acknowledged heads (re-sending a change the node did store is harmless).
     */
    static final class Writer {
        final int id;
        private final TestDevice device;
        private final Document log = new Document();
        private ChangeHash[] ackedHeads = new ChangeHash[0];
        private int next;
        private final List<Integer> keys = new ArrayList<>();
        private final List<String> newDocs = new ArrayList<>();
        private final AtomicInteger acked = new AtomicInteger();

        Writer(int id, TestDevice device) {
            this.id = id;
            this.device = device;
        }

        String logId() {
            return "log-" + id;
        }

        static int total(List<Writer> writers) {
            return writers.stream().mapToInt(w -> w.acked.get()).sum();
        }

        synchronized List<Integer> ackedKeys() {
            return List.copyOf(keys);
        }

        synchronized List<String> ackedNewDocs() {
            return List.copyOf(newDocs);
        }

        void run(ManagedChannel ch, AtomicBoolean stop) {
            var stub = ElohimNodeGrpc.newBlockingStub(ch).withInterceptors(device.grpcAuth());
            try {
                while (!stop.get() && next < 100_000) {
                    int i = next;
                    if (log.get(ObjectId.ROOT, "k" + i).isEmpty()) {
                        Transaction tx = log.startTransaction();
                        tx.set(ObjectId.ROOT, "k" + i, i);
                        tx.commit();
                    }
                    byte[] changes = ackedHeads.length == 0 ? log.save() : log.encodeChangesSince(ackedHeads);
                    stub.withDeadlineAfter(10, TimeUnit.SECONDS).putDocument(PutDocumentRequest.newBuilder()
                            .setDocId(logId()).setChanges(ByteString.copyFrom(changes)).setReach(Reach.REACH_PRIVATE).build());
                    ackedHeads = log.getHeads();
                    synchronized (this) {
                        keys.add(i);
                    }
                    acked.incrementAndGet();
                    next = i + 1;
                    if (i % 4 == 0) {
                        String docId = "new-" + id + "-" + i;
                        Document fresh = new Document();
                        Transaction t2 = fresh.startTransaction();
                        t2.set(ObjectId.ROOT, "n", i);
                        t2.commit();
                        byte[] bytes = fresh.save();
                        fresh.free();
                        stub.withDeadlineAfter(10, TimeUnit.SECONDS).putDocument(PutDocumentRequest.newBuilder()
                                .setDocId(docId).setChanges(ByteString.copyFrom(bytes)).setReach(Reach.REACH_FAMILY).build());
                        synchronized (this) {
                            newDocs.add(docId);
                        }
                        acked.incrementAndGet();
                    }
                }
            } catch (RuntimeException expected) {
                // the node was killed: the write in flight has no acknowledgement, so nothing is claimed for it
            }
        }

        void close() {
            log.free();
        }
    }
}
