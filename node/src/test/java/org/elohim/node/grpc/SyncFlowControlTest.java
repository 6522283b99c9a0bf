package org.elohim.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.elohim.api.v1.DocRequest;
import org.elohim.api.v1.DocResponse;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.Event;
import org.elohim.api.v1.Events;
import org.elohim.api.v1.Hello;
import org.elohim.api.v1.Reach;
import org.elohim.api.v1.StreamPosition;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.device.TestDevice;
import org.elohim.sync.SyncSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inbound flow control on a real gRPC Sync stream: while the node's storage is stuck, its session
 * takes no more of the device's messages than its window (the rest wait in gRPC, unread), sends no
 * Ack, and catches up once storage moves again.
 */
class SyncFlowControlTest {
    private static final int DOCS = 200;

    @TempDir
    Path dir;
    private GrpcNodeFixture node;
    private TestDevice alice;

    @BeforeEach
    void start() {
        node = new GrpcNodeFixture(dir, 1024 * 1024);
        alice = node.pair(new TestDevice(1), "alice");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void whileStorageIsStuckTheSessionReadsNoMoreThanItsWindowAndCatchesUpAfter() throws Exception {
        List<SyncMessage> down = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        StreamObserver<SyncMessage> up = ElohimNodeGrpc.newStub(node.channel(new SigningInterceptor(alice)))
                .sync(new StreamObserver<>() {
                    @Override
                    public void onNext(SyncMessage m) {
                        down.add(m);
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        ended.complete(null);
                    }
                });
        long epoch = 0x5eed;
        up.onNext(SyncMessage.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(1)
                .setMyPosition(StreamPosition.newBuilder().setEpoch(epoch).setSeq(DOCS))).build());
        Events.Builder events = Events.newBuilder().setEpoch(epoch).setAfterSeq(0).setThroughSeq(DOCS).setCaughtUp(true);
        for (int i = 1; i <= DOCS; i++) {
            byte[] head = new byte[32];
            head[0] = (byte) i;
            head[1] = (byte) (i >> 8);
            events.addEvents(Event.newBuilder().setSeq(i).setDocId("d" + i).addHeads(ByteString.copyFrom(head)));
        }
        up.onNext(SyncMessage.newBuilder().setEvents(events).build());
        await(() -> down.stream().filter(SyncMessage::hasDocRequest).count() == DOCS, "the node's requests");

        // The node's writer is stuck (a slow or full disk): nothing it applies can become durable.
        CountDownLatch release = new CountDownLatch(1);
        node.docs.database().write(c -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        for (SyncMessage m : down) {
            if (!m.hasDocRequest()) continue;
            DocRequest q = m.getDocRequest();
            up.onNext(SyncMessage.newBuilder().setDocResponse(DocResponse.newBuilder().setDocId(q.getDocId())
                    .setRequestId(q.getRequestId()).setReach(Reach.REACH_PRIVATE)
                    .setChanges(ByteString.copyFrom(AutomergeFixtures.docWith("v", q.getDocId())))).build());
        }
        SyncSession session = node.syncStreams.registry().sessions(alice.deviceId()).get(0);
        int window = SyncSession.Config.defaults("", "").inboundWindow();
        await(() -> session.status().inboundQueued() == window, "the window to fill");
        Thread.sleep(500); // time to (wrongly) read more
        SyncSession.Status held = session.status();
        assertThat(held.inboundQueued()).isEqualTo(window);
        assertThat(held.messagesIn()).as("Hello + Events + one window of responses").isEqualTo(2 + window);
        assertThat(down).noneMatch(SyncMessage::hasAck);

        release.countDown();
        await(() -> down.stream().anyMatch(m -> m.hasAck() && m.getAck().getPosition().getSeq() == DOCS), "the Ack");
        assertThat(session.status().messagesIn()).isEqualTo(2 + DOCS);
        for (int i = 1; i <= DOCS; i++) assertThat(node.docs.info("d" + i)).as("d%d", i).isPresent();
        up.onCompleted();
        ended.get(10, TimeUnit.SECONDS);
    }
}
