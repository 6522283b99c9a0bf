package org.elohim.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.automerge.Document;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.GetDocumentRequest;
import org.elohim.api.v1.PutDocumentRequest;
import org.elohim.api.v1.Reach;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.docs.StreamPosition;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.runtime.DataDirLock;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.NodeStorage;
import org.elohim.node.runtime.TestDevice;
import org.elohim.node.storage.Docs;
import org.elohim.node.storage.SqliteDocumentService;
import org.elohim.node.sync.NodeSessions;
import org.elohim.sync.SyncSession;
import org.elohim.sync.SyncTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node runs as a child process; a device (the sync engine on its own SQLite store, over the
 * real gRPC Sync stream) reads the node's whole stream; the node is killed with SIGKILL and its WAL
 * is cut back, losing acknowledged writes the device had read. The restarted node must notice that
 * its stream went back, say so, start a new epoch, and get what it lost back from the device.
 */
class WalDamageTest {
    private static final int WRITES = 30;
    private static final int KEPT = 20;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aWalCutAfterKillNineStartsANewEpochAndTheDeviceThatReadPastTheCutRestoresWhatWasLost() throws Exception {
        Path data = tmp.resolve("data");
        TestDevice device = new TestDevice();
        try (DataDirLock lock = DataDirLock.tryAcquire(new NodeFiles(data)).orElseThrow();
             NodeStorage storage = NodeStorage.open(NodeConfig.ephemeral(data), null)) {
            device.pairWith(storage, "alice");
        }
        Path wal = data.resolve("node.db-wal");
        long[] walAfter = new long[WRITES + 1];
        StreamPosition readBefore;
        try (SqliteDocumentService phone = SqliteDocumentService.open(tmp.resolve("phone"))) {
            try (NodeProcess node = NodeProcess.start(data, tmp.resolve("node-1.log"))) {
                ManagedChannel ch = channel(node);
                try {
                    var stub = ElohimNodeGrpc.newBlockingStub(ch).withInterceptors(device.grpcAuth());
                    for (int i = 1; i <= WRITES; i++) {
                        stub.withDeadlineAfter(10, TimeUnit.SECONDS).putDocument(PutDocumentRequest.newBuilder()
                                .setDocId("n" + i).setChanges(ByteString.copyFrom(Docs.saved("k", "v" + i)))
                                .setReach(Reach.REACH_PRIVATE).build());
                        walAfter[i] = Files.size(wal); // acknowledged: its commit is in the WAL now
                    }
                    sync(ch, device, phone);
                } finally {
                    ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                readBefore = phone.peerPositions().get("node").read();
                assertThat(readBefore.seq()).isGreaterThanOrEqualTo(WRITES);
                assertThat(phone.info("n" + WRITES)).isPresent();
                node.kill9();
            }
            // The WAL loses its tail: acknowledged writes KEPT+1..WRITES are gone, and the phone has read them.
            try (FileChannel f = FileChannel.open(wal, StandardOpenOption.WRITE)) {
                f.truncate(walAfter[KEPT]);
            }
            try (NodeProcess node = NodeProcess.start(data, tmp.resolve("node-2.log"))) {
                assertThat(node.log()).contains("starting a new epoch").contains("events lost");
                ManagedChannel ch = channel(node);
                try {
                    var stub = ElohimNodeGrpc.newBlockingStub(ch).withInterceptors(device.grpcAuth());
                    assertThat(exists(stub, "n" + WRITES)).as("the cut really lost writes").isFalse();
                    sync(ch, device, phone);
                    for (int i = 1; i <= WRITES; i++) {
                        byte[] saved = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                                .getDocument(GetDocumentRequest.newBuilder().setDocId("n" + i).build())
                                .getAutomerge().toByteArray();
                        Document d = Document.load(saved);
                        try {
                            assertThat(Docs.get(d, "k")).as("n%d", i).contains("v" + i);
                        } finally {
                            d.free();
                        }
                    }
                } finally {
                    ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                StreamPosition readAfter = phone.peerPositions().get("node").read();
                assertThat(readAfter.epoch()).as("the node's stream has a new epoch").isNotEqualTo(readBefore.epoch());
            }
        }
    }

    private static ManagedChannel channel(NodeProcess node) {
        return ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
    }

    private static boolean exists(ElohimNodeGrpc.ElohimNodeBlockingStub stub, String id) {
        try {
            stub.withDeadlineAfter(10, TimeUnit.SECONDS).getDocument(GetDocumentRequest.newBuilder().setDocId(id).build());
            return true;
        } catch (io.grpc.StatusRuntimeException e) {
            return false;
        }
    }

    /** One sync session of the phone with the node over gRPC, until both sides are in sync. */
    private static void sync(ManagedChannel ch, TestDevice device, SqliteDocumentService phone) throws Exception {
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        SyncSession[] session = new SyncSession[1];
        ClientCallStreamObserver<SyncMessage>[] requests = newArray();
        ClientResponseObserver<SyncMessage, SyncMessage> responses = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<SyncMessage> r) {
                requests[0] = r;
                r.disableAutoRequestWithInitial(0);
            }

            @Override
            public void onNext(SyncMessage m) {
                session[0].receive(m);
            }

            @Override
            public void onError(Throwable t) {
                session[0].close("stream failed: " + t);
            }

            @Override
            public void onCompleted() {
                session[0].close("node ended the stream");
            }
        };
        ElohimNodeGrpc.ElohimNodeStub stub = ElohimNodeGrpc.newStub(ch).withInterceptors(device.grpcAuth());
        stub.sync(responses);
        session[0] = NodeSessions.session(phone, new Requester.ClusterNode("node"),
                new ReachEnforcer(Set.of("alice")::contains), SyncSession.Config.defaults(device.deviceId(), "node"),
                clock::get, new SyncTransport() {
                    @Override
                    public synchronized void send(SyncMessage message) {
                        requests[0].onNext(message);
                    }

                    @Override
                    public void request(int n) {
                        requests[0].request(n);
                    }

                    @Override
                    public void close(SessionEnd end) {
                        try {
                            requests[0].onCompleted();
                        } catch (RuntimeException ignored) {
                            // already over
                        }
                    }
                });
        AutoCloseable sub = phone.subscribe(c -> session[0].onLocalCommit(c.seq()));
        session[0].start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!session[0].isInSync()) {
                assertThat(session[0].status().ended()).as("session ended: %s", session[0].status()).isFalse();
                assertThat(System.nanoTime()).as("in sync in time: %s", session[0].status()).isLessThan(deadline);
                Thread.sleep(10);
            }
        } finally {
            sub.close();
            session[0].close("done");
            Thread.sleep(100);
        }
    }

    @SuppressWarnings("unchecked")
    private static ClientCallStreamObserver<SyncMessage>[] newArray() {
        return new ClientCallStreamObserver[1];
    }
}
