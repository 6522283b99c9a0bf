package org.elohim.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.elohim.api.v1.BlobChunk;
import org.elohim.api.v1.BlobUploadState;
import org.elohim.api.v1.BlobUploadStateRequest;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.GetBlobRequest;
import org.elohim.api.v1.PutBlobResponse;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.NodeStorage;
import org.elohim.node.runtime.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node runs as a child process; a device uploads blobs over gRPC and the node is killed with
 * SIGKILL in the middle of an upload. After a restart every acknowledged blob is whole, the
 * interrupted one is invisible, every chunk the node had reported is still held, and the upload
 * resumes from there.
 */
class BlobKillNineTest {
    static final int C = 1 << 20;

    @TempDir
    Path tmp;

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static String idOf(byte[] data) throws Exception {
        return "sha256-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void killNineMidUploadLeavesAConsistentStore() throws Exception {
        Path data = tmp.resolve("node");
        TestDevice device;
        try (NodeStorage s = NodeStorage.open(NodeConfig.ephemeral(data), null)) {
            device = new TestDevice().pairWith(s, "alice");
        }
        byte[] done = random(1, 3 * C + 5);
        byte[] cut = random(2, 24 * C + 9);
        String cutId = idOf(cut);
        Set<Integer> reportedBeforeKill;
        try (NodeProcess node = NodeProcess.start(data, tmp.resolve("node-1.log"))) {
            ManagedChannel ch = channel(node.grpcPort(), device);
            try {
                assertThat(put(ch, done, 0).getHash()).isEqualTo(idOf(done));
                // The second upload streams on; the node dies under it.
                CompletableFuture<PutBlobResponse> never = new CompletableFuture<>();
                StreamObserver<BlobChunk> req = ElohimNodeGrpc.newStub(ch).putBlob(observer(never));
                req.onNext(BlobChunk.newBuilder().setHash(cutId).setSize(cut.length).build());
                int off = 0;
                while (state(ch, cutId).getChunksCount() < 6) {
                    req.onNext(BlobChunk.newBuilder().setOffset(off).setData(ByteString.copyFrom(cut, off, C / 4)).build());
                    off += C / 4;
                    Thread.sleep(5);
                }
                reportedBeforeKill = new HashSet<>(state(ch, cutId).getChunksList());
                node.kill9();
            } finally {
                ch.shutdownNow();
            }
        }
        try (NodeProcess node = NodeProcess.start(data, tmp.resolve("node-2.log"))) {
            ManagedChannel ch = channel(node.grpcPort(), device);
            try {
                assertThat(get(ch, idOf(done))).isEqualTo(done);
                StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> get(ch, cutId));
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                BlobUploadState after = state(ch, cutId);
                assertThat(after.getChunksList()).containsAll(reportedBeforeKill);
                try (var staging = Files.list(data.resolve("blobs/staging"))) {
                    assertThat(staging.count()).as("staging emptied at start").isZero();
                }
                // Resume: send from the first chunk the node does not hold.
                int from = 0;
                while (after.getChunksList().contains(from)) from++;
                assertThat(from).isGreaterThanOrEqualTo(6);
                assertThat(put(ch, cut, from * C).getHash()).isEqualTo(cutId);
                assertThat(get(ch, cutId)).isEqualTo(cut);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    static ManagedChannel channel(int port, TestDevice device) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().intercept(device.grpcAuth()).build();
    }

    static BlobUploadState state(ManagedChannel ch, String id) {
        return ElohimNodeGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getBlobUploadState(BlobUploadStateRequest.newBuilder().setHash(id).build());
    }

    static PutBlobResponse put(ManagedChannel ch, byte[] data, int from) throws Exception {
        CompletableFuture<PutBlobResponse> r = new CompletableFuture<>();
        StreamObserver<BlobChunk> req = ElohimNodeGrpc.newStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS).putBlob(observer(r));
        req.onNext(BlobChunk.newBuilder().setHash(idOf(data)).setSize(data.length).build());
        for (int off = from; off < data.length; off += C / 2) {
            req.onNext(BlobChunk.newBuilder().setOffset(off).setData(ByteString.copyFrom(data, off,
                    Math.min(C / 2, data.length - off))).build());
        }
        req.onNext(BlobChunk.newBuilder().setLast(true).build());
        req.onCompleted();
        try {
            return r.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    static byte[] get(ManagedChannel ch, String id) {
        Iterator<BlobChunk> it = ElohimNodeGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
                .getBlob(GetBlobRequest.newBuilder().setHash(id).build());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (it.hasNext()) out.writeBytes(it.next().getData().toByteArray());
        return out.toByteArray();
    }

    static <T> StreamObserver<T> observer(CompletableFuture<T> f) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                f.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                // value first
            }
        };
    }
}
