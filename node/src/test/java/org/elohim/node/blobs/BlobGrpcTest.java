package org.elohim.node.blobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.automerge.Transaction;
import org.elohim.api.v1.BlobChunk;
import org.elohim.api.v1.BlobUploadStateRequest;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.GetBlobRequest;
import org.elohim.api.v1.PutBlobResponse;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.reach.Reach;
import org.elohim.node.runtime.AutomergeJson;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.elohim.node.runtime.TestDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GetBlob / PutBlob / GetBlobUploadState on a whole node over real gRPC sockets, with signed devices. */
class BlobGrpcTest {
    static final int C = Manifest.CHUNK_SIZE;

    @TempDir
    Path dir;
    ElohimNodeRuntime node;
    final List<ManagedChannel> channels = new ArrayList<>();
    ElohimNodeGrpc.ElohimNodeStub alice;
    ElohimNodeGrpc.ElohimNodeStub alice2;
    ElohimNodeGrpc.ElohimNodeStub bob;
    ElohimNodeGrpc.ElohimNodeStub anonymous;

    @BeforeEach
    void start() {
        node = ElohimNodeRuntime.start(NodeConfig.ephemeral(dir));
        alice = stub(new TestDevice().pairWith(node.storage(), "alice"));
        alice2 = stub(new TestDevice().pairWith(node.storage(), "alice"));
        bob = stub(new TestDevice().pairWith(node.storage(), "bob"));
        anonymous = stub(null);
    }

    ElohimNodeGrpc.ElohimNodeStub stub(TestDevice device) {
        NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", node.ports().grpc()).usePlaintext();
        if (device != null) b.intercept(device.grpcAuth());
        ManagedChannel ch = b.build();
        channels.add(ch);
        return ElohimNodeGrpc.newStub(ch);
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        node.close();
    }

    static PutBlobResponse put(ElohimNodeGrpc.ElohimNodeStub stub, byte[] data, boolean declare, Reach reach) {
        return put(stub, data, declare, reach, 0, data.length);
    }

    /** Sends [from, to) after a header; declare = send hash and size (resumable upload). */
    static PutBlobResponse put(ElohimNodeGrpc.ElohimNodeStub stub, byte[] data, boolean declare, Reach reach, int from, int to) {
        CompletableFuture<PutBlobResponse> result = new CompletableFuture<>();
        StreamObserver<BlobChunk> req = stub.withDeadlineAfter(60, TimeUnit.SECONDS).putBlob(observer(result));
        BlobChunk.Builder header = BlobChunk.newBuilder().setContentType("image/jpeg").setReach(proto(reach));
        if (declare) header.setHash(BlobStoreTest.idOf(data).toString()).setSize(data.length);
        req.onNext(header.build());
        for (int off = from; off < to; off += 200_000) {
            int n = Math.min(200_000, to - off);
            req.onNext(BlobChunk.newBuilder().setOffset(off).setData(ByteString.copyFrom(data, off, n)).build());
        }
        req.onNext(BlobChunk.newBuilder().setLast(true).build());
        req.onCompleted();
        return join(result);
    }

    static <T> StreamObserver<T> observer(CompletableFuture<T> result) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                // the value came first
            }
        };
    }

    static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) throw s;
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static org.elohim.api.v1.Reach proto(Reach r) {
        return org.elohim.api.v1.Reach.valueOf("REACH_" + r.name());
    }

    static byte[] get(ElohimNodeGrpc.ElohimNodeStub stub, String id, long offset, long length) {
        ElohimNodeGrpc.ElohimNodeBlockingStub b = ElohimNodeGrpc.newBlockingStub(stub.getChannel())
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Iterator<BlobChunk> it = b.getBlob(GetBlobRequest.newBuilder().setHash(id).setOffset(offset)
                .setLength(length).build());
        long expected = offset;
        while (it.hasNext()) {
            BlobChunk c = it.next();
            assertThat(c.getOffset()).isEqualTo(expected);
            out.writeBytes(c.getData().toByteArray());
            expected += c.getData().size();
        }
        return out.toByteArray();
    }

    /** The status a read ends with, or OK. */
    static Status readStatus(ElohimNodeGrpc.ElohimNodeStub stub, String id) {
        try {
            get(stub, id, 0, 0);
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    @Test
    void uploadThenDownloadWholeAndRanges() {
        byte[] data = BlobStoreTest.random(1, 3 * C + 777);
        PutBlobResponse r = put(alice, data, false, Reach.PRIVATE);
        BlobId id = BlobStoreTest.idOf(data);
        assertThat(r.getHash()).isEqualTo(id.toString());
        assertThat(r.getCid()).isEqualTo(id.cid());
        assertThat(r.getSize()).isEqualTo(data.length);
        assertThat(r.getCreated()).isTrue();
        assertThat(get(alice2, id.toString(), 0, 0)).isEqualTo(data);
        assertThat(get(alice2, id.cid(), C - 5, 10)).isEqualTo(java.util.Arrays.copyOfRange(data, C - 5, C + 5));
        assertThat(get(alice2, id.toString(), data.length, 0)).isEmpty();
        assertThat(readStatus(alice2, id.toString()).getCode()).isEqualTo(Status.Code.OK);
        assertThatThrownBy(() -> get(alice, id.toString(), data.length + 1, 0))
                .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("OUT_OF_RANGE");
        // the same content again: nothing new
        assertThat(put(alice2, data, true, Reach.PRIVATE).getCreated()).isFalse();
    }

    @Test
    void reachMatrixDeniedLooksMissing() throws Exception {
        java.util.Map<Reach, String> ids = new java.util.EnumMap<>(Reach.class);
        for (Reach r : Reach.values()) {
            byte[] data = BlobStoreTest.random(10 + r.ordinal(), 1000 + r.ordinal());
            ids.put(r, put(alice, data, true, r).getHash());
        }
        String missing = BlobStoreTest.idOf(new byte[] {42}).toString();
        Status missingStatus = readStatus(bob, missing);
        assertThat(missingStatus.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        for (Reach r : Reach.values()) {
            String id = ids.get(r);
            assertThat(readStatus(alice2, id).isOk()).as("owner's other device, " + r).isTrue();
            assertThat(readStatus(bob, id).isOk()).as("family member, " + r).isEqualTo(r != Reach.PRIVATE);
            assertThat(readStatus(anonymous, id).isOk()).as("anonymous, " + r).isEqualTo(r == Reach.COMMONS);
        }
        // Denied answers exactly like missing: same code, same text apart from the id asked.
        Status denied = readStatus(anonymous, ids.get(Reach.PRIVATE));
        assertThat(denied.getCode()).isEqualTo(missingStatus.getCode());
        assertThat(denied.getDescription().replace(ids.get(Reach.PRIVATE), "ID"))
                .isEqualTo(missingStatus.getDescription().replace(missing, "ID"));
        // Uploads and upload state need a paired device.
        assertThatThrownBy(() -> put(anonymous, new byte[] {1}, false, Reach.COMMONS))
                .hasMessageContaining("UNAUTHENTICATED");
        assertThatThrownBy(() -> ElohimNodeGrpc.newBlockingStub(anonymous.getChannel())
                .getBlobUploadState(BlobUploadStateRequest.newBuilder().setHash(missing).build()))
                .hasMessageContaining("UNAUTHENTICATED");
        // Upload state says nothing about another owner's blob.
        var state = ElohimNodeGrpc.newBlockingStub(bob.getChannel())
                .getBlobUploadState(BlobUploadStateRequest.newBuilder().setHash(ids.get(Reach.PRIVATE)).build());
        assertThat(state.getComplete()).isFalse();
    }

    @Test
    void aDocumentReferenceSharesTheBlobWithTheDocumentsReaders() throws Exception {
        byte[] photo = BlobStoreTest.random(20, C + 5);
        String id = put(alice, photo, true, Reach.PRIVATE).getHash();
        assertThat(readStatus(bob, id).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        writeDoc("album", "alice", Reach.FAMILY, "{\"cover\":{\"hash\":\"" + id + "\",\"size\":" + photo.length
                + ",\"content_type\":\"image/jpeg\",\"reach\":\"family\"}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> readStatus(bob, id).isOk());
        assertThat(get(bob, id, 0, 0)).isEqualTo(photo);
        assertThat(readStatus(anonymous, id).getCode()).isEqualTo(Status.Code.NOT_FOUND);

        // bob names alice's private blob in his own commons document: that publishes nothing.
        byte[] secret = BlobStoreTest.random(21, 500);
        String secretId = put(alice, secret, true, Reach.PRIVATE).getHash();
        writeDoc("bobs-page", "bob", Reach.COMMONS, "{\"stolen\":{\"hash\":\"" + secretId + "\"},\"mine\":{\"hash\":\""
                + id + "\"}}");
        byte[] marker = BlobStoreTest.random(22, 10);
        String markerId = put(bob, marker, true, Reach.PRIVATE).getHash();
        writeDoc("bobs-marker", "bob", Reach.COMMONS, "{\"m\":{\"hash\":\"" + markerId + "\"}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> readStatus(anonymous, markerId).isOk());
        assertThat(readStatus(anonymous, secretId).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(readStatus(anonymous, id).getCode()).isEqualTo(Status.Code.NOT_FOUND);

        // Removing the reference takes the access away again.
        node.storage().documents().edit("album", "alice", Reach.FAMILY, d -> {
            try (Transaction tx = d.startTransaction()) {
                tx.delete(org.automerge.ObjectId.ROOT, "cover");
                tx.commit();
            }
        }, "test").join();
        await().atMost(Duration.ofSeconds(10)).until(() -> !readStatus(bob, id).isOk());
    }

    void writeDoc(String docId, String owner, Reach reach, String json) throws Exception {
        var tree = new ObjectMapper().readTree(json);
        node.storage().documents().edit(docId, owner, reach, d -> {
            try (Transaction tx = d.startTransaction()) {
                AutomergeJson.writeRoot(tx, tree);
                tx.commit();
            }
        }, "test").join();
    }

    @Test
    void anUploadCutShortResumesWithTheMissingChunksOnly() {
        byte[] data = BlobStoreTest.random(30, 4 * C + 99);
        String id = BlobStoreTest.idOf(data).toString();
        // First attempt: two and a half chunks, then the device cancels (connection lost).
        CompletableFuture<PutBlobResponse> first = new CompletableFuture<>();
        var call = (io.grpc.stub.ClientCallStreamObserver<BlobChunk>) alice.putBlob(observer(first));
        call.onNext(BlobChunk.newBuilder().setHash(id).setSize(data.length).build());
        call.onNext(BlobChunk.newBuilder().setOffset(0).setData(ByteString.copyFrom(data, 0, 2 * C + C / 2)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> alice2State(id).getChunksCount() == 2);
        call.cancel("connection lost", null);
        assertThat(readStatus(alice, id).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        var state = alice2State(id);
        assertThat(state.getChunksList()).containsExactly(0, 1);
        assertThat(state.getChunkSize()).isEqualTo(C);
        // Resume: header, then from chunk 2 on.
        PutBlobResponse r = put(alice, data, true, Reach.PRIVATE, 2 * C, data.length);
        assertThat(r.getHash()).isEqualTo(id);
        assertThat(get(alice2, id, 0, 0)).isEqualTo(data);
        assertThat(alice2State(id).getComplete()).isTrue();
        // Skipping a chunk the node does not hold is refused, and nothing is stored.
        byte[] other = BlobStoreTest.random(31, 2 * C);
        assertThatThrownBy(() -> put(alice, other, true, Reach.PRIVATE, C, other.length))
                .hasMessageContaining("INVALID_ARGUMENT");
    }

    org.elohim.api.v1.BlobUploadState alice2State(String id) {
        return ElohimNodeGrpc.newBlockingStub(alice2.getChannel())
                .getBlobUploadState(BlobUploadStateRequest.newBuilder().setHash(id).build());
    }

    @Test
    void concurrentUploadsOfTheSameContentAreStoredOnce() throws Exception {
        byte[] data = BlobStoreTest.random(40, 3 * C + 1);
        List<CompletableFuture<PutBlobResponse>> all = new ArrayList<>();
        for (ElohimNodeGrpc.ElohimNodeStub s : List.of(alice, alice2, bob, alice, bob)) {
            all.add(CompletableFuture.supplyAsync(() -> put(s, data, s != bob, Reach.FAMILY)));
        }
        for (var f : all) assertThat(f.get(60, TimeUnit.SECONDS).getHash()).isEqualTo(BlobStoreTest.idOf(data).toString());
        try (var files = java.nio.file.Files.walk(dir.resolve("blobs/chunks"))) {
            assertThat(files.filter(java.nio.file.Files::isRegularFile).count()).isEqualTo(4);
        }
        assertThat(node.storage().blobs().count()).isEqualTo(1);
        assertThat(get(bob, BlobStoreTest.idOf(data).toString(), 0, 0)).isEqualTo(data);
    }

    @Test
    void malformedRequestsGetTypedErrors() {
        assertThatThrownBy(() -> get(alice, "not-a-hash", 0, 0)).hasMessageContaining("INVALID_ARGUMENT");
        byte[] data = BlobStoreTest.random(50, 100);
        assertThatThrownBy(() -> put(alice, data, true, Reach.PRIVATE, 10, 100)).hasMessageContaining("INVALID_ARGUMENT");
        // a lying hash
        CompletableFuture<PutBlobResponse> r = new CompletableFuture<>();
        StreamObserver<BlobChunk> req = alice.putBlob(observer(r));
        req.onNext(BlobChunk.newBuilder().setHash(BlobStoreTest.idOf(new byte[] {1}).toString()).setSize(100)
                .setData(ByteString.copyFrom(data)).setLast(true).build());
        req.onCompleted();
        assertThatThrownBy(() -> join(r)).hasMessageContaining("HASH_MISMATCH");
        assertThat(node.storage().blobs().count()).isZero();
    }
}
