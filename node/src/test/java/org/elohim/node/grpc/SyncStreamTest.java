package org.elohim.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.elohim.api.v1.DocRequest;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.Event;
import org.elohim.api.v1.Hello;
import org.elohim.api.v1.PutDocumentRequest;
import org.elohim.api.v1.Reach;
import org.elohim.api.v1.StreamPosition;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.device.TestDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Sync stream against a real node over grpc-netty, driven message by message. */
class SyncStreamTest {
    @TempDir
    Path dir;
    private GrpcNodeFixture node;
    private TestDevice alice;
    private TestDevice bob;

    @BeforeEach
    void start() {
        node = new GrpcNodeFixture(dir, 1024 * 1024);
        alice = node.pair(new TestDevice(1), "alice");
        bob = node.pair(new TestDevice(2), "bob");
        for (String[] d : new String[][] {{"diary", "REACH_PRIVATE"}, {"groceries", "REACH_FAMILY"}}) {
            node.as(alice).putDocument(PutDocumentRequest.newBuilder().setDocId(d[0]).setReach(Reach.valueOf(d[1]))
                    .setChanges(ByteString.copyFrom(AutomergeFixtures.docWith("v", d[0]))).build());
        }
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /** Collects what the node sends on one Sync call. */
    private static final class Recorder implements StreamObserver<SyncMessage> {
        final List<SyncMessage> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Status> end = new CompletableFuture<>();

        @Override
        public void onNext(SyncMessage m) {
            messages.add(m);
        }

        @Override
        public void onError(Throwable t) {
            end.complete(t instanceof StatusRuntimeException s ? s.getStatus() : Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            end.complete(Status.OK);
        }

        List<String> eventDocIds() {
            return messages.stream().filter(SyncMessage::hasEvents)
                    .flatMap(m -> m.getEvents().getEventsList().stream()).map(Event::getDocId).toList();
        }
    }

    private static SyncMessage hello(TestDevice d) {
        return SyncMessage.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(1).setPeerId(d.deviceId())
                .setMyPosition(StreamPosition.newBuilder().setEpoch(42)).setYourPosition(StreamPosition.getDefaultInstance()))
                .build();
    }

    @Test
    void aDeviceIsOfferedOnlyWhatItsOwnerMayReceive() {
        Recorder bobs = new Recorder();
        StreamObserver<SyncMessage> up = ElohimNodeGrpc.newStub(node.channel(new SigningInterceptor(bob))).sync(bobs);
        up.onNext(hello(bob));
        await().atMost(Duration.ofSeconds(10)).until(() -> bobs.messages.stream()
                .anyMatch(m -> m.hasEvents() && m.getEvents().getCaughtUp()));
        assertThat(bobs.messages.get(0).hasHello()).isTrue();
        assertThat(bobs.eventDocIds()).containsExactly("groceries");

        // Asking for the private document anyway: answered exactly like a missing one.
        up.onNext(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("diary").setRequestId(7)).build());
        up.onNext(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("nothing").setRequestId(8)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> bobs.messages.stream().filter(SyncMessage::hasDocResponse).count() == 2);
        List<SyncMessage> answers = bobs.messages.stream().filter(SyncMessage::hasDocResponse).toList();
        assertThat(answers).allSatisfy(m -> {
            assertThat(m.getDocResponse().getNotFound()).isTrue();
            assertThat(m.getDocResponse().getChanges().isEmpty()).isTrue();
            assertThat(m.getDocResponse().getOwner()).isEmpty();
        });
        up.onCompleted();
    }

    @Test
    void wrongLengthHashesGetATypedErrorAndTheStreamGoesOn() {
        Recorder rec = new Recorder();
        StreamObserver<SyncMessage> up = ElohimNodeGrpc.newStub(node.channel(new SigningInterceptor(alice))).sync(rec);
        up.onNext(hello(alice));
        up.onNext(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("diary").setRequestId(1)
                .addHeads(ByteString.copyFrom(new byte[33]))).build());
        up.onNext(SyncMessage.newBuilder().setDocRequest(DocRequest.newBuilder().setDocId("diary").setRequestId(2)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.messages.stream().anyMatch(SyncMessage::hasDocResponse));
        assertThat(rec.messages).anySatisfy(m -> {
            assertThat(m.getError().getCode()).isEqualTo(SyncError.Code.BAD_REQUEST);
            assertThat(m.getError().getDocId()).isEqualTo("diary");
        });
        SyncMessage full = rec.messages.stream().filter(SyncMessage::hasDocResponse).findFirst().orElseThrow();
        assertThat(full.getDocResponse().getRequestId()).isEqualTo(2);
        assertThat(AutomergeFixtures.valueOf(full.getDocResponse().getChanges().toByteArray(), "v")).isEqualTo("diary");
        up.onCompleted();
    }

    @Test
    void anonymousCallersCannotSync() throws Exception {
        Recorder rec = new Recorder();
        StreamObserver<SyncMessage> up = ElohimNodeGrpc.newStub(node.channel()).sync(rec);
        up.onNext(hello(alice));
        assertThat(rec.end.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(rec.messages).isEmpty();
    }

    @Test
    void malformedMessagesEndOnlyThatStream() throws Exception {
        io.grpc.ManagedChannel ch = node.channel(new SigningInterceptor(alice));
        io.grpc.ClientCall<byte[], byte[]> call = ch.newCall(io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
                .setFullMethodName(ElohimNodeGrpc.getSyncMethod().getFullMethodName())
                .setRequestMarshaller(RawBytes.INSTANCE).setResponseMarshaller(RawBytes.INSTANCE).build(),
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new io.grpc.ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, io.grpc.Metadata trailers) {
                closed.complete(status);
            }
        }, new io.grpc.Metadata());
        call.request(100);
        call.sendMessage(new byte[] {0x0a, 0x7f, 0x01});
        Status s = closed.get(10, TimeUnit.SECONDS);
        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).contains("malformed");

        // Another device's stream on the same node is unaffected.
        Recorder rec = new Recorder();
        StreamObserver<SyncMessage> up = ElohimNodeGrpc.newStub(node.channel(new SigningInterceptor(bob))).sync(rec);
        up.onNext(hello(bob));
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.eventDocIds().contains("groceries"));
        up.onCompleted();
    }
}
