package org.elohim.client;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.elohim.api.v1.BlobChunk;
import org.elohim.api.v1.BlobUploadState;
import org.elohim.api.v1.BlobUploadStateRequest;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.GetBlobRequest;
import org.elohim.api.v1.PutBlobResponse;

/**
 * Blob uploads and downloads with the node ({@code PutBlob}/{@code GetBlob}), streaming: memory
 * stays at one piece whatever the blob's size. A file upload is resumable: its id and chunk
 * hashes are computed first, the node is asked which chunks it already holds, and only the rest
 * is sent (again after a broken connection). A download resumes from the last byte received and
 * is checked against the blob's id when it covers the whole blob.
 *
 * <pre>{@code
 * BlobTransfer.Uploaded up = client.blobs().putBlob(Path.of("photo.jpg"), "image/jpeg", Reach.FAMILY, null);
 * try (OutputStream out = Files.newOutputStream(target)) { client.blobs().getBlob(up.id(), out, null); }
 * }</pre>
 */
public final class BlobTransfer {
    /** Chunk size of the node's store: the unit of resume. */
    public static final int CHUNK_SIZE = 1 << 20;
    static final int PIECE = 256 * 1024;

    /** Called as bytes move: {@code done} of {@code total} (total -1 when unknown). */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);
    }

    public record Uploaded(String id, String cid, long size, boolean created) {
    }

    private final Supplier<Channel> channel;
    private int maxAttempts = 8;

    public BlobTransfer(Supplier<Channel> channel) {
        this.channel = channel;
    }

    /** How many times a transfer is tried before its failure is reported (default 8). */
    public BlobTransfer maxAttempts(int attempts) {
        this.maxAttempts = Math.max(1, attempts);
        return this;
    }

    // ---- upload ----------------------------------------------------------------------------

    /** The blob id ({@code sha256-<hex>}) of a file's content. */
    public static String idOf(Path file) {
        return "sha256-" + HexFormat.of().formatHex(scan(file, null).whole);
    }

    private record Scan(byte[] whole, long size) {
    }

    private static Scan scan(Path file, Progress progress) {
        MessageDigest d = sha256();
        long size = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(PIECE);
            long total = ch.size();
            while (ch.read(buf) >= 0) {
                buf.flip();
                size += buf.remaining();
                d.update(buf);
                buf.clear();
                if (progress != null) progress.update(size, total);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new Scan(d.digest(), size);
    }

    /**
     * Uploads a file (resumable). {@code contentType} may be null; {@code reach} is the reach of
     * the blob when no document references it (null: private).
     */
    public Uploaded putBlob(Path file, String contentType, Reach reach, Progress progress) {
        Scan scan = scan(file, null);
        String id = "sha256-" + HexFormat.of().formatHex(scan.whole);
        ClientException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                BlobUploadState state = ElohimNodeGrpc.newBlockingStub(channel.get()).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .getBlobUploadState(BlobUploadStateRequest.newBuilder().setHash(id).build());
                Set<Integer> have = new HashSet<>(state.getChunksList());
                if (state.getComplete()) {
                    // Still one PutBlob with the header: the node records this call's content type and reach.
                    have = allChunks(scan.size);
                }
                return upload(id, scan.size, contentType, reach, have, (offset, buf) -> ch.read(buf, offset), progress);
            } catch (StatusRuntimeException e) {
                last = new ClientException("PutBlob failed: " + e.getStatus(), e);
                if (!retryable(e.getStatus())) throw last;
                pause(attempt);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        throw last;
    }

    private static Set<Integer> allChunks(long size) {
        Set<Integer> all = new HashSet<>();
        for (int i = 0; i < (size + CHUNK_SIZE - 1) / CHUNK_SIZE; i++) all.add(i);
        return all;
    }

    /** Uploads a stream once (not resumable: its content is known only as it is read). */
    public Uploaded putBlob(InputStream in, String contentType, Reach reach, Progress progress) {
        return upload("", -1, contentType, reach, Set.of(), (offset, buf) -> {
            int n = in.read(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
            if (n > 0) buf.position(buf.position() + n);
            return n;
        }, progress);
    }

    @FunctionalInterface
    private interface Source {
        int read(long offset, ByteBuffer into) throws IOException;
    }

    private Uploaded upload(String id, long size, String contentType, Reach reach, Set<Integer> have, Source source,
                            Progress progress) throws StatusRuntimeException {
        Call call = new Call();
        ElohimNodeGrpc.newStub(channel.get()).putBlob(call);
        try {
            BlobChunk.Builder header = BlobChunk.newBuilder().setHash(id)
                    .setContentType(contentType == null ? "" : contentType)
                    .setReach((reach == null ? Reach.PRIVATE : reach).toProto());
            if (size >= 0) header.setSize(size);
            call.send(header.build());
            ByteBuffer buf = ByteBuffer.allocate(PIECE);
            long offset = 0;
            while (size < 0 || offset < size) {
                int chunk = (int) (offset / CHUNK_SIZE);
                if (size >= 0 && have.contains(chunk)) {
                    offset = Math.min(size, (long) (chunk + 1) * CHUNK_SIZE);
                    if (progress != null) progress.update(offset, size);
                    continue;
                }
                buf.clear();
                // Pieces never cross a chunk boundary, so a resume can start at any chunk.
                long chunkEnd = (long) (chunk + 1) * CHUNK_SIZE;
                buf.limit((int) Math.min(PIECE, chunkEnd - offset));
                while (buf.hasRemaining()) {
                    if (source.read(offset + buf.position(), buf) < 0) break;
                }
                buf.flip();
                if (!buf.hasRemaining()) break; // end of a stream of unknown size
                int n = buf.remaining();
                call.send(BlobChunk.newBuilder().setOffset(offset).setData(ByteString.copyFrom(buf)).build());
                offset += n;
                if (progress != null) progress.update(offset, size);
            }
            call.send(BlobChunk.newBuilder().setLast(true).build());
            call.requests.onCompleted();
            PutBlobResponse r = call.await();
            return new Uploaded(r.getHash(), r.getCid(), r.getSize(), r.getCreated());
        } catch (IOException e) {
            call.requests.cancel("local read failed", e);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            if (call.requests != null && !call.result.isDone()) call.requests.cancel("upload abandoned", e);
            throw e;
        }
    }

    /** One PutBlob call: sends only while the transport is ready (flow control). */
    private static final class Call implements ClientResponseObserver<BlobChunk, PutBlobResponse> {
        final CompletableFuture<PutBlobResponse> result = new CompletableFuture<>();
        final ReentrantLock lock = new ReentrantLock();
        final Condition ready = lock.newCondition();
        ClientCallStreamObserver<BlobChunk> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<BlobChunk> requestStream) {
            requests = requestStream;
            requestStream.setOnReadyHandler(this::signal);
        }

        private void signal() {
            lock.lock();
            try {
                ready.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void send(BlobChunk m) {
            lock.lock();
            try {
                while (!requests.isReady() && !result.isDone()) ready.await(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
            } finally {
                lock.unlock();
            }
            if (result.isDone()) await(); // the node answered early (an error): report it
            requests.onNext(m);
        }

        PutBlobResponse await() {
            try {
                return result.get(10, TimeUnit.MINUTES);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof StatusRuntimeException s) throw s;
                throw new ClientException("PutBlob failed", e.getCause());
            } catch (TimeoutException e) {
                throw Status.DEADLINE_EXCEEDED.withDescription("no answer to PutBlob").asRuntimeException();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
            }
        }

        @Override
        public void onNext(PutBlobResponse value) {
            result.complete(value);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
            signal();
        }

        @Override
        public void onCompleted() {
            if (!result.isDone()) result.completeExceptionally(Status.INTERNAL.withDescription("no response").asRuntimeException());
            signal();
        }
    }

    // ---- download --------------------------------------------------------------------------

    /**
     * Writes the whole blob to {@code out}, resuming after a broken connection, and checks it
     * against its id. Returns the blob's size. NOT_FOUND (missing or not readable) is a ClientException.
     */
    public long getBlob(String id, OutputStream out, Progress progress) {
        return getBlob(id, 0, out, progress);
    }

    /** From {@code offset} to the end; checked against the id only when {@code offset} is 0. */
    public long getBlob(String id, long offset, OutputStream out, Progress progress) {
        MessageDigest digest = offset == 0 ? sha256() : null;
        long position = offset;
        long size = -1;
        ClientException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                Iterator<BlobChunk> it = ElohimNodeGrpc.newBlockingStub(channel.get())
                        .getBlob(GetBlobRequest.newBuilder().setHash(id).setOffset(position).build());
                boolean end = false;
                while (!end && it.hasNext()) {
                    BlobChunk c = it.next();
                    if (!c.getHash().isEmpty()) size = c.getSize(); // the first message describes the blob
                    if (c.getOffset() != position) throw new ClientException("node sent offset " + c.getOffset() + ", expected " + position);
                    ByteString data = c.getData();
                    data.writeTo(out);
                    if (digest != null) for (ByteBuffer b : data.asReadOnlyByteBufferList()) digest.update(b);
                    position += data.size();
                    if (progress != null) progress.update(position, size);
                    end = c.getLast();
                }
                if (!end) throw Status.UNAVAILABLE.withDescription("stream ended before the last chunk").asRuntimeException();
                if (digest != null) {
                    String got = "sha256-" + HexFormat.of().formatHex(digest.digest());
                    if (id.startsWith("sha256-") && !got.equals(id)) {
                        throw new ClientException("downloaded content hashes to " + got + ", not " + id);
                    }
                }
                return position;
            } catch (StatusRuntimeException e) {
                last = new ClientException("GetBlob failed: " + e.getStatus(), e);
                if (!retryable(e.getStatus())) throw last;
                pause(attempt);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw last;
    }

    private static boolean retryable(Status s) {
        return s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.DEADLINE_EXCEEDED
                || s.getCode() == Status.Code.INTERNAL && s.getDescription() != null && s.getDescription().contains("RST_STREAM")
                || s.getCode() == Status.Code.CANCELLED && s.getDescription() != null && s.getDescription().contains("closed");
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(Math.min(2_000, 100L * attempt * attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
