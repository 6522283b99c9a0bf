package org.elohim.node.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.elohim.api.v1.BlobChunk;
import org.elohim.api.v1.BlobUploadState;
import org.elohim.api.v1.BlobUploadStateRequest;
import org.elohim.api.v1.Document;
import org.elohim.api.v1.DocumentSummary;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.GetBlobRequest;
import org.elohim.api.v1.GetDocumentRequest;
import org.elohim.api.v1.GetStatusRequest;
import org.elohim.api.v1.ListDocumentsRequest;
import org.elohim.api.v1.ListDocumentsResponse;
import org.elohim.api.v1.NodeStatus;
import org.elohim.api.v1.PairRequest;
import org.elohim.api.v1.PairResponse;
import org.elohim.api.v1.PutBlobResponse;
import org.elohim.api.v1.PutDocumentRequest;
import org.elohim.api.v1.PutDocumentResponse;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.blobs.grpc.BlobRpc;
import org.elohim.node.device.PairingTokens;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.docs.EventKind;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;

/**
 * The {@code ElohimNode} gRPC service. Every read goes through the {@link ReachEnforcer}; a
 * document the caller may not receive is answered NOT_FOUND, exactly like a missing one.
 */
public final class ElohimNodeService extends ElohimNodeGrpc.ElohimNodeImplBase {
    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;

    private final DocumentService docs;
    private final ReachEnforcer reach;
    private final PairingTokens pairing;
    private final SyncStreams syncStreams;
    private final NodeIdentity identity;
    private final long startedAtMillis = System.currentTimeMillis();
    private final BlobRpc blobs;

    public ElohimNodeService(DocumentService docs, ReachEnforcer reach, PairingTokens pairing, SyncStreams syncStreams,
                             NodeIdentity identity) {
        this(docs, reach, pairing, syncStreams, identity, null);
    }

    /** {@code blobs}: the blob calls (null: they answer UNIMPLEMENTED). */
    public ElohimNodeService(DocumentService docs, ReachEnforcer reach, PairingTokens pairing, SyncStreams syncStreams,
                             NodeIdentity identity, BlobRpc blobs) {
        this.blobs = blobs;
        this.docs = docs;
        this.reach = reach;
        this.pairing = pairing;
        this.syncStreams = syncStreams;
        this.identity = identity;
    }

    @Override
    public StreamObserver<SyncMessage> sync(StreamObserver<SyncMessage> responses) {
        return syncStreams.open(DeviceAuthInterceptor.requester(), responses);
    }

    @Override
    public void getDocument(GetDocumentRequest request, StreamObserver<Document> responses) {
        try {
            String docId = ProtoConversions.docId(request.getDocId());
            List<byte[]> heads = ProtoConversions.hashes(request.getHeadsList());
            DocumentInfo info = readable(docId);
            Optional<byte[]> bytes = heads.isEmpty() ? docs.save(docId) : docs.changesSince(docId, heads);
            if (bytes.isEmpty()) throw GrpcErrors.notFound(docId);
            responses.onNext(Document.newBuilder()
                    .setDocId(docId)
                    .setAutomerge(ByteString.copyFrom(bytes.get()))
                    .setIncremental(!heads.isEmpty())
                    .addAllHeads(ProtoConversions.toProto(info.heads()))
                    .setReach(ProtoConversions.toProto(info.reach()))
                    .setOwner(info.owner())
                    .setUpdatedAtMillis(info.updatedAtMillis())
                    .build());
            responses.onCompleted();
        } catch (RuntimeException e) {
            responses.onError(GrpcErrors.toStatus(e));
        }
    }

    @Override
    public void putDocument(PutDocumentRequest request, StreamObserver<PutDocumentResponse> responses) {
        try {
            if (!(DeviceAuthInterceptor.requester() instanceof Requester.Device device)) {
                throw Status.UNAUTHENTICATED.withDescription("PutDocument needs a paired device").asRuntimeException();
            }
            String docId = ProtoConversions.docId(request.getDocId());
            if (request.getChanges().isEmpty()) throw GrpcErrors.invalid("changes are empty");
            Optional<DocumentInfo> existing = docs.info(docId);
            if (existing.isPresent() && !mayWrite(device, existing.get())) {
                // Existing documents it may not even read look missing; readable but not writable ones say so.
                if (!reach.mayReceive(device, existing.get())) throw GrpcErrors.notFound(docId);
                throw Status.PERMISSION_DENIED.withDescription("only the owner's devices may change a private document")
                        .asRuntimeException();
            }
            Reach reachIfNew = ProtoConversions.fromProto(request.getReach());
            docs.applyChanges(docId, request.getChanges().toByteArray(), device.owner(), reachIfNew, EventKind.LOCAL,
                    "grpc:" + device.deviceId()).whenComplete((result, failure) -> {
                        if (failure != null) {
                            responses.onError(GrpcErrors.toStatus(failure));
                            return;
                        }
                        // Completed only after the commit: this answer is the durable acknowledgement.
                        responses.onNext(PutDocumentResponse.newBuilder()
                                .setDocId(docId)
                                .addAllHeads(ProtoConversions.toProto(result.heads()))
                                .setPosition(ProtoConversions.toProto(
                                        new org.elohim.node.docs.StreamPosition(docs.position().epoch(), result.seq())))
                                .setChanged(result.changed())
                                .build());
                        responses.onCompleted();
                    });
        } catch (RuntimeException e) {
            responses.onError(GrpcErrors.toStatus(e));
        }
    }

    /** A device may change what it may receive, except another member's private documents (never receivable anyway). */
    private boolean mayWrite(Requester.Device device, DocumentInfo doc) {
        return reach.mayReceive(device, doc);
    }

    @Override
    public void listDocuments(ListDocumentsRequest request, StreamObserver<ListDocumentsResponse> responses) {
        try {
            Requester requester = DeviceAuthInterceptor.requester();
            int limit = request.getLimit() == 0 ? DEFAULT_PAGE : Math.min(request.getLimit(), MAX_PAGE);
            Optional<Reach> reachFilter = request.getReach() == org.elohim.api.v1.Reach.REACH_UNSPECIFIED
                    ? Optional.empty() : Optional.of(ProtoConversions.fromProto(request.getReach()));
            Optional<String> owner = request.getOwner().isEmpty() ? Optional.empty() : Optional.of(request.getOwner());
            String after = request.getAfterDocId().isEmpty() ? null : request.getAfterDocId();
            List<DocumentSummary> out = new ArrayList<>();
            boolean exhausted = false;
            // Denied documents are skipped; the scan is bounded so a caller who may see little cannot
            // make one call walk the whole table. The cursor still moves past what was scanned.
            int scanned = 0;
            scan:
            while (true) {
                List<DocumentInfo> page = docs.list(after, limit, reachFilter, owner);
                for (int i = 0; i < page.size(); i++) {
                    DocumentInfo d = page.get(i);
                    after = d.docId();
                    scanned++;
                    if (reach.mayReceive(requester, d)) out.add(summary(d));
                    if (out.size() == limit) {
                        exhausted = page.size() < limit && i == page.size() - 1;
                        break scan;
                    }
                }
                if (page.size() < limit) {
                    exhausted = true;
                    break;
                }
                if (scanned >= 10 * limit) break;
            }
            ListDocumentsResponse.Builder b = ListDocumentsResponse.newBuilder().addAllDocuments(out);
            if (!exhausted && after != null) b.setNextAfterDocId(after);
            responses.onNext(b.build());
            responses.onCompleted();
        } catch (RuntimeException e) {
            responses.onError(GrpcErrors.toStatus(e));
        }
    }

    private static DocumentSummary summary(DocumentInfo d) {
        return DocumentSummary.newBuilder()
                .setDocId(d.docId())
                .setReach(ProtoConversions.toProto(d.reach()))
                .setOwner(d.owner())
                .setUpdatedAtMillis(d.updatedAtMillis())
                .addAllHeads(ProtoConversions.toProto(d.heads()))
                .setSizeBytes(d.sizeBytes())
                .build();
    }

    /** The document if it exists AND the caller may receive it; otherwise the same NOT_FOUND. */
    private DocumentInfo readable(String docId) {
        Optional<DocumentInfo> info = docs.info(docId);
        if (info.isEmpty() || !reach.mayReceive(DeviceAuthInterceptor.requester(), info.get())) {
            throw GrpcErrors.notFound(docId);
        }
        return info.get();
    }

    @Override
    public void getStatus(GetStatusRequest request, StreamObserver<NodeStatus> responses) {
        try {
            NodeStatus.Builder b = NodeStatus.newBuilder()
                    .setNodeId(identity.nodeId())
                    .setVersion(identity.version())
                    .setPosition(ProtoConversions.toProto(docs.position()))
                    .setUptimeMillis(System.currentTimeMillis() - startedAtMillis);
            if (DeviceAuthInterceptor.requester() instanceof Requester.Device d) {
                // The document count covers private documents: only paired devices learn it.
                b.setDocumentCount(docs.count()).setDeviceId(d.deviceId()).setOwner(d.owner());
            }
            responses.onNext(b.build());
            responses.onCompleted();
        } catch (RuntimeException e) {
            responses.onError(GrpcErrors.toStatus(e));
        }
    }

    @Override
    public void pair(PairRequest request, StreamObserver<PairResponse> responses) {
        pairing.pair(request.getToken(), request.getDevicePublicKey().toByteArray(), request.getDeviceName(),
                        request.getSignature().toByteArray())
                .whenComplete((device, failure) -> {
                    if (failure != null) {
                        responses.onError(GrpcErrors.toStatus(failure));
                        return;
                    }
                    responses.onNext(PairResponse.newBuilder()
                            .setDeviceId(device.deviceId())
                            .setOwner(device.owner())
                            .setNodeId(identity.nodeId())
                            .build());
                    responses.onCompleted();
                });
    }

    private static final String NO_BLOBS = "blob storage is not enabled on this node";

    @Override
    public void getBlob(GetBlobRequest request, StreamObserver<BlobChunk> responses) {
        if (blobs != null) blobs.getBlob(request, responses);
        else responses.onError(Status.UNIMPLEMENTED.withDescription(NO_BLOBS).asRuntimeException());
    }

    @Override
    public void getBlobUploadState(BlobUploadStateRequest request, StreamObserver<BlobUploadState> responses) {
        if (blobs != null) blobs.uploadState(request, responses);
        else responses.onError(Status.UNIMPLEMENTED.withDescription(NO_BLOBS).asRuntimeException());
    }

    @Override
    public StreamObserver<BlobChunk> putBlob(StreamObserver<PutBlobResponse> responses) {
        if (blobs != null) return blobs.putBlob(responses);
        responses.onError(Status.UNIMPLEMENTED.withDescription(NO_BLOBS).asRuntimeException());
        return new StreamObserver<>() {
            @Override
            public void onNext(BlobChunk value) {
                // already answered
            }

            @Override
            public void onError(Throwable t) {
                // already answered
            }

            @Override
            public void onCompleted() {
                // already answered
            }
        };
    }
}
