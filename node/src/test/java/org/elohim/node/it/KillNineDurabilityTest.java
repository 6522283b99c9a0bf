package org.elohim.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node runs as a real child process; paired-device writers drive PutDocument over gRPC from
 * this JVM and record every acknowledged write; the node is killed with SIGKILL mid-load and
 * restarted; every acknowledged write must be there.
 */
class KillNineDurabilityTest {
    static final int WRITERS = 4;
    static final int KILL_AFTER_ACKS = 400;
    static final long MAX_LOAD_MILLIS = 6_000;

    @TempDir
    Path tmp;

    /** What one writer saw acknowledged. */
    static final class Acked {
        final List<Integer> logKeys = new ArrayList<>();
        final List<String> newDocs = new ArrayList<>();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void everyAcknowledgedWriteSurvivesKillNine() throws Exception {
        Path data = tmp.resolve("data");
        TestDevice device = new TestDevice();
        NodeConfig config = NodeConfig.ephemeral(data);
        try (DataDirLock lock = DataDirLock.tryAcquire(new NodeFiles(data)).orElseThrow();
             NodeStorage storage = NodeStorage.open(config, null)) {
            device.pairWith(storage, "alice");
        }

        Map<Integer, Acked> acked = new ConcurrentHashMap<>();
        AtomicInteger ackCount = new AtomicInteger();
        long killedAfterAcks;
        try (NodeProcess node = NodeProcess.start(data, tmp.resolve("node-1.log"))) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(WRITERS);
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                Acked mine = new Acked();
                acked.put(writer, mine);
                Thread t = new Thread(() -> {
                    try {
                        write(ch, device, writer, mine, ackCount, stop);
                    } finally {
                        done.countDown();
                    }
                }, "writer-" + w);
                t.setDaemon(true);
                t.start();
            }
            long until = System.currentTimeMillis() + MAX_LOAD_MILLIS;
            while (ackCount.get() < KILL_AFTER_ACKS && System.currentTimeMillis() < until) Thread.sleep(5);
            killedAfterAcks = ackCount.get();
            node.kill9(); // writes are still in flight here
            stop.set(true);
            assertThat(done.await(30, TimeUnit.SECONDS)).as("writers stop once the node is gone").isTrue();
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            assertThat(killedAfterAcks).as("load was running when killed; log:\n" + node.log()).isPositive();
        }
        assertThat(Files.exists(data.resolve("ports.json"))).as("a killed node leaves its ports.json").isTrue();

        try (NodeProcess node = NodeProcess.start(data, tmp.resolve("node-2.log"))) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
            try {
                var stub = ElohimNodeGrpc.newBlockingStub(ch).withInterceptors(device.grpcAuth());
                int verified = 0;
                for (Map.Entry<Integer, Acked> e : acked.entrySet()) {
                    Acked a = e.getValue();
                    if (!a.logKeys.isEmpty()) {
                        Document doc = Document.load(stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                                .getDocument(GetDocumentRequest.newBuilder().setDocId("log-" + e.getKey()).build())
                                .getAutomerge().toByteArray());
                        try {
                            for (int k : a.logKeys) {
                                Optional<AmValue> v = doc.get(ObjectId.ROOT, "k" + k);
                                assertThat(v).as("acked key k%d of log-%d", k, e.getKey()).isPresent();
                                assertThat(((AmValue.Int) v.get()).getValue()).isEqualTo(k);
                                verified++;
                            }
                        } finally {
                            doc.free();
                        }
                    }
                    for (String id : a.newDocs) {
                        assertThat(stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                                .getDocument(GetDocumentRequest.newBuilder().setDocId(id).build()).getOwner())
                                .as(id).isEqualTo("alice");
                        verified++;
                    }
                }
                assertThat(verified).isGreaterThanOrEqualTo((int) killedAfterAcks);
                // the restarted process also serves its HTTP API, and counts at least what was acknowledged
                int newDocs = acked.values().stream().mapToInt(a -> a.newDocs.size()).sum();
                java.net.http.HttpResponse<String> health = java.net.http.HttpClient.newHttpClient().send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.httpPort() + "/health"))
                                .timeout(java.time.Duration.ofSeconds(10)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                long documents = new com.fasterxml.jackson.databind.ObjectMapper().readTree(health.body()).path("documents").asLong();
                assertThat(documents).isGreaterThanOrEqualTo(newDocs + acked.values().stream()
                        .filter(a -> !a.logKeys.isEmpty()).count());
                System.out.printf("kill -9 after %d acknowledged writes; %d acknowledged writes verified after restart%n",
                        killedAfterAcks, verified);
                // SIGTERM: the JVM exits 143 after the shutdown hook closed the node
                assertThat(node.terminate()).as("stop on SIGTERM").isIn(0, 143);
                assertThat(node.log()).contains("elohim-node stopped");
                assertThat(Files.exists(data.resolve("ports.json"))).as("removed on clean stop").isFalse();
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * One writer: incremental changes to its own document "log-W" (key kN = N), and every
     * fourth step a brand-new document. Records a write only once its response arrived.
     */
    private static void write(ManagedChannel ch, TestDevice device, int writer, Acked acked, AtomicInteger ackCount,
                              AtomicBoolean stop) {
        var stub = ElohimNodeGrpc.newBlockingStub(ch).withInterceptors(device.grpcAuth());
        Document log = new Document();
        ChangeHash[] sent = new ChangeHash[0];
        try {
            for (int i = 0; !stop.get() && i < 100_000; i++) {
                Transaction tx = log.startTransaction();
                tx.set(ObjectId.ROOT, "k" + i, i);
                tx.commit();
                byte[] changes = i == 0 ? log.save() : log.encodeChangesSince(sent);
                stub.withDeadlineAfter(10, TimeUnit.SECONDS).putDocument(PutDocumentRequest.newBuilder()
                        .setDocId("log-" + writer).setChanges(ByteString.copyFrom(changes)).setReach(Reach.REACH_PRIVATE)
                        .build());
                sent = log.getHeads();
                synchronized (acked) {
                    acked.logKeys.add(i);
                }
                ackCount.incrementAndGet();
                if (i % 4 == 0) {
                    String id = "new-" + writer + "-" + i;
                    Document fresh = new Document();
                    Transaction t2 = fresh.startTransaction();
                    t2.set(ObjectId.ROOT, "n", i);
                    t2.commit();
                    byte[] bytes = fresh.save();
                    fresh.free();
                    stub.withDeadlineAfter(10, TimeUnit.SECONDS).putDocument(PutDocumentRequest.newBuilder()
                            .setDocId(id).setChanges(ByteString.copyFrom(bytes)).setReach(Reach.REACH_FAMILY).build());
                    synchronized (acked) {
                        acked.newDocs.add(id);
                    }
                    ackCount.incrementAndGet();
                }
            }
        } catch (RuntimeException expected) {
            // the node was killed: the write in flight has no acknowledgement, so nothing is claimed for it
        } finally {
            log.free();
        }
    }
}
