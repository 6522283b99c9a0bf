package org.elohim.node.blobs.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Supplier;
import org.elohim.api.v1.BlobChunk;
import org.elohim.api.v1.BlobUploadState;
import org.elohim.api.v1.BlobUploadStateRequest;
import org.elohim.api.v1.GetBlobRequest;
import org.elohim.api.v1.PutBlobResponse;
import org.elohim.node.blobs.BlobAccess;
import org.elohim.node.blobs.BlobId;
import org.elohim.node.blobs.BlobInfo;
import org.elohim.node.blobs.BlobReader;
import org.elohim.node.blobs.BlobRejected;
import org.elohim.node.blobs.BlobStore;
import org.elohim.node.blobs.BlobUpload;
import org.elohim.node.blobs.Manifest;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.Requester;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blob calls of the device API. {@code GetBlob} sends only while the transport is ready
 * (gRPC flow control), one piece read from disk at a time; {@code PutBlob} writes each message
 * before asking for the next. Memory per call is one piece / one chunk, whatever the blob's size.
 * A blob the caller may not read answers NOT_FOUND, like a missing one.
 */
public final class BlobRpc {
    private static final Logger log = LoggerFactory.getLogger(BlobRpc.class);
    /** Data per GetBlob message. */
    static final int PIECE = 256 * 1024;

    private final BlobAccess access;
    private final Supplier<Requester> requester;

    /** {@code requester}: the caller of the current call (read on the call's thread). */
    public BlobRpc(BlobAccess access, Supplier<Requester> requester) {
        this.access = access;
        this.requester = requester;
    }

    public void getBlob(GetBlobRequest request, StreamObserver<BlobChunk> responses) {
        BlobReader reader;
        long start;
        long end;
        try {
            BlobId id = parse(request.getHash());
            reader = access.open(requester.get(), id).orElseThrow(() -> notFound(request.getHash()));
            long size = reader.size();
            start = request.getOffset();
            if (start > size) {
                reader.close();
                throw Status.OUT_OF_RANGE.withDescription("offset " + start + " is past the end (" + size + ")").asRuntimeException();
            }
            end = request.getLength() == 0 ? size : Math.min(size, start + request.getLength());
        } catch (RuntimeException e) {
            responses.onError(toStatus(e));
            return;
        }
        new Sender((ServerCallStreamObserver<BlobChunk>) responses, reader, start, end).start();
    }

    /** Streams [start, end) while the call is ready; resumes from onReady. */
    private static final class Sender {
        private final ServerCallStreamObserver<BlobChunk> out;
        private final BlobReader reader;
        private final long end;
        private final ByteBuffer buffer;
        private long position;
        private boolean first = true;
        private boolean done;

        Sender(ServerCallStreamObserver<BlobChunk> out, BlobReader reader, long start, long end) {
            this.out = out;
            this.reader = reader;
            this.position = start;
            this.end = end;
            this.buffer = ByteBuffer.allocate((int) Math.min(PIECE, Math.max(1, end - start)));
        }

        void start() {
            out.setOnCancelHandler(this::finish);
            out.setOnReadyHandler(this::pump);
            pump();
        }

        private synchronized void pump() {
            try {
                while (!done && out.isReady()) {
                    buffer.clear();
                    buffer.limit((int) Math.min(buffer.capacity(), end - position));
                    while (buffer.hasRemaining()) {
                        if (reader.read(position + buffer.position(), buffer) < 0) break;
                    }
                    buffer.flip();
                    int n = buffer.remaining();
                    boolean last = position + n >= end;
                    BlobChunk.Builder b = BlobChunk.newBuilder()
                            .setOffset(position)
                            .setData(ByteString.copyFrom(buffer))
                            .setLast(last);
                    if (first) {
                        BlobInfo info = reader.info();
                        b.setHash(info.id().toString()).setSize(info.size()).setContentType(info.contentType());
                        first = false;
                    }
                    out.onNext(b.build());
                    position += n;
                    if (last) {
                        finish();
                        out.onCompleted();
                    }
                }
            } catch (IOException | RuntimeException e) {
                log.warn("GetBlob failed while streaming", e);
                finish();
                out.onError(Status.INTERNAL.withDescription("blob read failed").asRuntimeException());
            }
        }

        private synchronized void finish() {
            if (done) return;
            done = true;
            reader.close();
        }
    }

    public StreamObserver<BlobChunk> putBlob(StreamObserver<PutBlobResponse> responses) {
        Requester who = requester.get();
        if (!(who instanceof Requester.Device device)) {
            responses.onError(Status.UNAUTHENTICATED.withDescription("PutBlob needs a paired device").asRuntimeException());
            return new Ignore<>();
        }
        return new Receiver(device.owner(), responses);
    }

    /** One PutBlob call: header, then data written as it arrives. */
    private final class Receiver implements StreamObserver<BlobChunk> {
        private final String owner;
        private final StreamObserver<PutBlobResponse> responses;
        private BlobUpload upload;
        private boolean done;

        Receiver(String owner, StreamObserver<PutBlobResponse> responses) {
            this.owner = owner;
            this.responses = responses;
        }

        @Override
        public void onNext(BlobChunk m) {
            if (done) return;
            try {
                if (upload == null) upload = begin(m);
                if (!m.getData().isEmpty()) {
                    ByteBuffer data = m.getData().asReadOnlyByteBuffer();
                    byte[] copy = new byte[Math.min(data.remaining(), 64 * 1024)];
                    long offset = m.getOffset();
                    while (data.hasRemaining()) {
                        int n = Math.min(copy.length, data.remaining());
                        data.get(copy, 0, n);
                        upload.write(offset, copy, 0, n);
                        offset += n;
                    }
                }
                if (m.getLast()) complete();
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private BlobUpload begin(BlobChunk header) {
            Optional<BlobId> expected = header.getHash().isEmpty() ? Optional.empty() : Optional.of(parse(header.getHash()));
            long size = expected.isPresent() || header.getSize() > 0 ? header.getSize() : -1;
            Reach reach = switch (header.getReach()) {
                case REACH_FAMILY -> Reach.FAMILY;
                case REACH_COMMUNITY -> Reach.COMMUNITY;
                case REACH_COMMONS -> Reach.COMMONS;
                default -> Reach.PRIVATE;
            };
            String contentType = header.getContentType();
            if (contentType.length() > 255) throw new IllegalArgumentException("content_type is longer than 255 characters");
            return access.store().beginUpload(owner, expected, size, contentType, reach);
        }

        private void complete() {
            BlobInfo info = upload.finish();
            done = true;
            responses.onNext(PutBlobResponse.newBuilder()
                    .setHash(info.id().toString())
                    .setSize(info.size())
                    .setCid(info.id().cid())
                    .setCreated(upload.created())
                    .build());
            responses.onCompleted();
        }

        private void fail(RuntimeException e) {
            done = true;
            if (upload != null) upload.close();
            responses.onError(toStatus(e));
        }

        @Override
        public void onError(Throwable t) {
            // The device went away: keep what is stored for its resume.
            if (!done && upload != null) upload.close();
            done = true;
        }

        @Override
        public void onCompleted() {
            if (done) return;
            try {
                if (upload == null) throw new BlobRejected(BlobRejected.Reason.MALFORMED, "PutBlob sent no header");
                complete();
            } catch (RuntimeException e) {
                fail(e);
            }
        }
    }

    public void uploadState(BlobUploadStateRequest request, StreamObserver<BlobUploadState> responses) {
        try {
            if (!(requester.get() instanceof Requester.Device device)) {
                throw Status.UNAUTHENTICATED.withDescription("GetBlobUploadState needs a paired device").asRuntimeException();
            }
            BlobId id = parse(request.getHash());
            BlobStore.UploadState s = access.store().uploadState(device.owner(), id);
            responses.onNext(BlobUploadState.newBuilder()
                    .setHash(id.toString())
                    .setComplete(s.complete())
                    .addAllChunks(s.chunks())
                    .setChunkSize(Manifest.CHUNK_SIZE)
                    .build());
            responses.onCompleted();
        } catch (RuntimeException e) {
            responses.onError(toStatus(e));
        }
    }

    private static BlobId parse(String hash) {
        return BlobId.parse(hash).orElseThrow(() -> Status.INVALID_ARGUMENT
                .withDescription("not a blob id (sha256-<64 hex> or a CIDv1 raw): " + abbreviate(hash)).asRuntimeException());
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    private static StatusRuntimeException notFound(String hash) {
        return Status.NOT_FOUND.withDescription("blob not found: " + abbreviate(hash)).asRuntimeException();
    }

    static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) return s;
        if (t instanceof BlobRejected r) {
            Status s = switch (r.reason()) {
                case QUOTA_EXCEEDED, TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
                case INCOMPLETE -> Status.FAILED_PRECONDITION;
                default -> Status.INVALID_ARGUMENT;
            };
            return s.withDescription(r.reason() + ": " + r.getMessage()).asRuntimeException();
        }
        if (t instanceof IllegalArgumentException) return Status.INVALID_ARGUMENT.withDescription(t.getMessage()).asRuntimeException();
        log.warn("blob call failed", t);
        if (t instanceof UncheckedIOException) return Status.UNAVAILABLE.withDescription("storage failure").asRuntimeException();
        return Status.INTERNAL.withDescription("internal error: " + t.getClass().getSimpleName()).asRuntimeException();
    }

    private static final class Ignore<T> implements StreamObserver<T> {
        @Override
        public void onNext(T value) {
            // the call was already answered
        }

        @Override
        public void onError(Throwable t) {
            // the call was already answered
        }

        @Override
        public void onCompleted() {
            // the call was already answered
        }
    }
}
