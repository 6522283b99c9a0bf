package org.elohim.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.elohim.api.v1.BlobChunk;
import org.elohim.api.v1.Document;
import org.elohim.api.v1.DocumentSummary;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.GetBlobRequest;
import org.elohim.api.v1.GetDocumentRequest;
import org.elohim.api.v1.GetStatusRequest;
import org.elohim.api.v1.ListDocumentsRequest;
import org.elohim.api.v1.NodeStatus;
import org.elohim.api.v1.PairRequest;
import org.elohim.api.v1.PutDocumentRequest;
import org.elohim.api.v1.PutDocumentResponse;
import org.elohim.api.v1.Reach;
import org.elohim.node.device.AuthHeaders;
import org.elohim.node.device.TestDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device API against a real node (SQLite file, grpc-netty on 127.0.0.1, ephemeral port). */
class ElohimNodeServiceTest {
    private static final int MAX_MESSAGE = 1024 * 1024;

    @TempDir
    Path dir;
    private GrpcNodeFixture node;
    private TestDevice alicePhone;
    private TestDevice bobPhone;

    @BeforeEach
    void start() {
        node = new GrpcNodeFixture(dir, MAX_MESSAGE);
        alicePhone = node.pair(new TestDevice(1), "alice");
        bobPhone = node.pair(new TestDevice(2), "bob");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private PutDocumentResponse put(TestDevice device, String docId, Reach reach, String value) {
        return node.as(device).putDocument(PutDocumentRequest.newBuilder().setDocId(docId).setReach(reach)
                .setChanges(ByteString.copyFrom(AutomergeFixtures.docWith("v", value))).build());
    }

    private static GetDocumentRequest get(String docId) {
        return GetDocumentRequest.newBuilder().setDocId(docId).build();
    }

    private static Status.Code codeOf(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void pairedDeviceIsKnownToTheNode() {
        NodeStatus s = node.as(alicePhone).getStatus(GetStatusRequest.getDefaultInstance());
        assertThat(s.getDeviceId()).isEqualTo(alicePhone.deviceId());
        assertThat(s.getOwner()).isEqualTo("alice");
        assertThat(s.getNodeId()).isEqualTo("node-under-test");
        NodeStatus anon = node.anonymous().getStatus(GetStatusRequest.getDefaultInstance());
        assertThat(anon.getDeviceId()).isEmpty();
        assertThat(anon.getOwner()).isEmpty();
    }

    @Test
    void pairingWithABadTokenIsRefusedAndRegistersNothing() {
        TestDevice stranger = new TestDevice(3);
        assertThatThrownBy(() -> node.anonymous().pair(PairRequest.newBuilder().setToken("nope")
                .setDevicePublicKey(ByteString.copyFrom(stranger.publicKey()))
                .setSignature(ByteString.copyFrom(stranger.signRaw(
                        org.elohim.node.device.PairingTokens.pairingPayload("nope")))).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThat(node.registry.find(stranger.deviceId())).isEmpty();
        assertThatThrownBy(() -> node.as(stranger).getStatus(GetStatusRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void pairingNeedsProofOfTheKey() {
        // Someone who saw Alice's public key cannot register it to another owner.
        String token = node.tokens.createToken("mallory", java.time.Duration.ofMinutes(5));
        TestDevice mallory = new TestDevice(4);
        StatusRuntimeException e = catchStatus(() -> node.anonymous().pair(PairRequest.newBuilder().setToken(token)
                .setDevicePublicKey(ByteString.copyFrom(alicePhone.publicKey()))
                .setSignature(ByteString.copyFrom(mallory.signRaw(
                        org.elohim.node.device.PairingTokens.pairingPayload(token)))).build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(node.registry.find(alicePhone.deviceId()).orElseThrow().owner()).isEqualTo("alice");
        // The token was not spent by the failed attempt.
        node.anonymous().pair(PairRequest.newBuilder().setToken(token)
                .setDevicePublicKey(ByteString.copyFrom(mallory.publicKey()))
                .setSignature(ByteString.copyFrom(mallory.signRaw(
                        org.elohim.node.device.PairingTokens.pairingPayload(token)))).build());
        assertThat(node.registry.find(mallory.deviceId()).orElseThrow().owner()).isEqualTo("mallory");
    }

    @Test
    void putIsDurableWhenAcknowledgedAndReadsBack() {
        PutDocumentResponse r = put(alicePhone, "notes", Reach.REACH_PRIVATE, "hello");
        assertThat(r.getChanged()).isTrue();
        assertThat(r.getHeadsList()).hasSize(1).allSatisfy(h -> assertThat(h.size()).isEqualTo(32));
        assertThat(r.getPosition().getSeq()).isPositive();
        // Acknowledged = committed: visible to storage directly, owned by the device's owner.
        assertThat(node.docs.info("notes")).hasValueSatisfying(i -> {
            assertThat(i.owner()).isEqualTo("alice");
            assertThat(i.reach()).isEqualTo(org.elohim.node.reach.Reach.PRIVATE);
        });
        Document d = node.as(alicePhone).getDocument(get("notes"));
        assertThat(AutomergeFixtures.valueOf(d.getAutomerge().toByteArray(), "v")).isEqualTo("hello");
        assertThat(d.getHeadsList()).isEqualTo(r.getHeadsList());
        assertThat(d.getOwner()).isEqualTo("alice");

        // Asking with current heads: nothing missing, incremental answer.
        Document since = node.as(alicePhone).getDocument(get("notes").toBuilder().addAllHeads(r.getHeadsList()).build());
        assertThat(since.getIncremental()).isTrue();
        assertThat(since.getAutomerge().size()).isZero();
    }

    @Test
    void acknowledgedWritesAndPairingsSurviveANodeRestart() {
        PutDocumentResponse r = put(alicePhone, "notes", Reach.REACH_PRIVATE, "kept");
        node.close();
        node = new GrpcNodeFixture(dir, MAX_MESSAGE);
        Document d = node.as(alicePhone).getDocument(get("notes"));
        assertThat(AutomergeFixtures.valueOf(d.getAutomerge().toByteArray(), "v")).isEqualTo("kept");
        assertThat(d.getHeadsList()).isEqualTo(r.getHeadsList());
        assertThat(codeOf(() -> node.as(bobPhone).getDocument(get("notes")))).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void reachDecidesWhoSeesWhatAndDeniedLooksMissing() {
        put(alicePhone, "diary", Reach.REACH_PRIVATE, "secret");
        put(alicePhone, "groceries", Reach.REACH_FAMILY, "milk");
        put(alicePhone, "recipes", Reach.REACH_COMMONS, "bread");

        StatusRuntimeException denied = catchStatus(() -> node.as(bobPhone).getDocument(get("diary")));
        StatusRuntimeException missing = catchStatus(() -> node.as(bobPhone).getDocument(get("no-such-doc")));
        assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(denied.getStatus().getDescription()).isEqualTo(missing.getStatus().getDescription()
                .replace("no-such-doc", "diary"));

        assertThat(node.as(bobPhone).getDocument(get("groceries")).getOwner()).isEqualTo("alice");
        assertThat(codeOf(() -> node.anonymous().getDocument(get("groceries")))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(codeOf(() -> node.anonymous().getDocument(get("diary")))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(node.anonymous().getDocument(get("recipes")).getOwner()).isEqualTo("alice");

        assertThat(ids(node.as(alicePhone))).containsExactly("diary", "groceries", "recipes");
        assertThat(ids(node.as(bobPhone))).containsExactly("groceries", "recipes");
        assertThat(ids(node.anonymous())).containsExactly("recipes");

        // Bob may not write Alice's private document either; it still looks missing.
        StatusRuntimeException write = catchStatus(() -> put(bobPhone, "diary", Reach.REACH_PRIVATE, "graffiti"));
        assertThat(write.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(AutomergeFixtures.valueOf(node.docs.save("diary").orElseThrow(), "v")).isEqualTo("secret");
    }

    @Test
    void listingPagesWithACursorAndSkipsDeniedDocuments() {
        for (int i = 0; i < 7; i++) put(alicePhone, "a" + i, i % 2 == 0 ? Reach.REACH_FAMILY : Reach.REACH_PRIVATE, "x");
        ElohimNodeGrpc.ElohimNodeBlockingStub bob = node.as(bobPhone);
        var first = bob.listDocuments(ListDocumentsRequest.newBuilder().setLimit(2).build());
        assertThat(first.getDocumentsList()).extracting(DocumentSummary::getDocId).containsExactly("a0", "a2");
        var second = bob.listDocuments(ListDocumentsRequest.newBuilder().setLimit(2)
                .setAfterDocId(first.getNextAfterDocId()).build());
        assertThat(second.getDocumentsList()).extracting(DocumentSummary::getDocId).containsExactly("a4", "a6");
        var third = bob.listDocuments(ListDocumentsRequest.newBuilder().setLimit(2)
                .setAfterDocId(second.getNextAfterDocId()).build());
        assertThat(third.getDocumentsList()).isEmpty();
        assertThat(third.getNextAfterDocId()).isEmpty();
    }

    @Test
    void anonymousCallersCannotWrite() {
        StatusRuntimeException e = catchStatus(() -> node.anonymous().putDocument(PutDocumentRequest.newBuilder()
                .setDocId("x").setChanges(ByteString.copyFrom(AutomergeFixtures.docWith("v", "1"))).build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(node.docs.info("x")).isEmpty();
    }

    @Test
    void forgedOrReplayedAuthenticationIsRejected() {
        var forged = ElohimNodeGrpc.newBlockingStub(node.channel(new SigningInterceptor(alicePhone, h -> {
            h.put(AuthHeaders.SIGNATURE, bobPhone.sign(new byte[] {1}));
            return h;
        })));
        assertThat(codeOf(() -> forged.getStatus(GetStatusRequest.getDefaultInstance())))
                .isEqualTo(Status.Code.UNAUTHENTICATED);

        java.util.Map<String, String> captured = alicePhone.headers("elohim.v1.ElohimNode/GetStatus",
                System.currentTimeMillis(), alicePhone.nonce());
        var replay = ElohimNodeGrpc.newBlockingStub(node.channel(new SigningInterceptor(alicePhone, h -> new java.util.HashMap<>(captured))));
        assertThat(codeOf(() -> replay.getStatus(GetStatusRequest.getDefaultInstance()))).isEqualTo(Status.Code.OK);
        assertThat(codeOf(() -> replay.getStatus(GetStatusRequest.getDefaultInstance())))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void badInputGetsAClearStatusStoresNothingAndTheNodeKeepsServing() {
        put(alicePhone, "ok", Reach.REACH_PRIVATE, "fine");
        ElohimNodeGrpc.ElohimNodeBlockingStub alice = node.as(alicePhone);

        // Unknown document.
        assertThat(codeOf(() -> alice.getDocument(get("unknown")))).isEqualTo(Status.Code.NOT_FOUND);
        // Wrong-length change hashes (would abort the JVM inside Automerge).
        StatusRuntimeException badHash = catchStatus(() -> alice.getDocument(get("ok").toBuilder()
                .addHeads(ByteString.copyFrom(new byte[31])).build()));
        assertThat(badHash.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badHash.getStatus().getDescription()).contains("32 bytes");
        // Corrupt Automerge bytes.
        byte[] corrupt = AutomergeFixtures.docWith("v", "x");
        for (int i = 8; i < corrupt.length; i++) corrupt[i] ^= 0x5a;
        StatusRuntimeException bad = catchStatus(() -> alice.putDocument(PutDocumentRequest.newBuilder()
                .setDocId("corrupt").setChanges(ByteString.copyFrom(corrupt)).build()));
        assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(node.docs.info("corrupt")).isEmpty();
        StatusRuntimeException garbage = catchStatus(() -> alice.putDocument(PutDocumentRequest.newBuilder()
                .setDocId("garbage").setChanges(ByteString.copyFromUtf8("not automerge at all")).build()));
        assertThat(garbage.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(node.docs.info("garbage")).isEmpty();
        // Missing id.
        assertThat(codeOf(() -> alice.getDocument(get("")))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        // Oversized message: refused by the transport before anything is parsed.
        StatusRuntimeException big = catchStatus(() -> alice.putDocument(PutDocumentRequest.newBuilder()
                .setDocId("big").setChanges(ByteString.copyFrom(new byte[MAX_MESSAGE + 1])).build()));
        assertThat(big.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(node.docs.info("big")).isEmpty();
        // Malformed protobuf on the wire.
        Status.Code malformed = codeOf(() -> rawCall(node.channel(), "GetDocument", new byte[] {0x0a, 0x7f, 0x01}));
        assertThat(malformed).isEqualTo(Status.Code.INVALID_ARGUMENT);

        // And the node still serves, on the same connection and on new ones.
        assertThat(AutomergeFixtures.valueOf(alice.getDocument(get("ok")).getAutomerge().toByteArray(), "v"))
                .isEqualTo("fine");
        assertThat(node.as(bobPhone).getStatus(GetStatusRequest.getDefaultInstance()).getOwner()).isEqualTo("bob");
    }

    @Test
    void blobsAreDefinedButNotImplementedYet() {
        Iterator<BlobChunk> it = node.as(alicePhone).getBlob(GetBlobRequest.newBuilder().setHash("sha256-00").build());
        StatusRuntimeException e = catchStatus(it::hasNext);
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(e.getStatus().getDescription()).contains("blob");
    }

    private static List<String> ids(ElohimNodeGrpc.ElohimNodeBlockingStub stub) {
        return stub.listDocuments(ListDocumentsRequest.getDefaultInstance()).getDocumentsList().stream()
                .map(DocumentSummary::getDocId).toList();
    }

    private static StatusRuntimeException catchStatus(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("expected the call to fail");
    }

    /** Sends raw bytes as the request of {@code method}, bypassing protobuf encoding. */
    private static byte[] rawCall(ManagedChannel ch, String method, byte[] body) {
        MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        MethodDescriptor<byte[], byte[]> md = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(ElohimNodeGrpc.SERVICE_NAME, method))
                .setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
        return ClientCalls.blockingUnaryCall(ch, md, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), body);
    }
}
