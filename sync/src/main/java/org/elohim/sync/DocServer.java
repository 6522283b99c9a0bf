package org.elohim.sync;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.elohim.api.v1.DocRequest;
import org.elohim.api.v1.DocResponse;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;

/**
 * Answers the peer's DocRequests: the changes it misses since its heads, split to fit its
 * message limit. A document the peer may not receive is answered exactly like a missing one.
 * Runs on the session's executor.
 */
final class DocServer {
    private final SyncSession s;
    private long served;

    DocServer(SyncSession session) {
        this.s = session;
    }

    CompletableFuture<?> onDocRequest(DocRequest r) {
        List<byte[]> heads = Wire.hashesOrNull(r.getHeadsList());
        if (heads == null || r.getDocId().isEmpty()) {
            s.error(SyncError.Code.BAD_REQUEST, "change hashes must be 32 bytes", r.getDocId());
            return null;
        }
        int maxPart = Math.max(64 * 1024, Math.min(s.peerMaxBytes, s.config.maxMessageBytes())
                - SyncSession.MESSAGE_OVERHEAD);
        CompletableFuture<Optional<DocChanges>> answer = s.store.doc(r.getDocId()).thenCompose(doc -> {
            if (doc.isEmpty() || !s.policy.mayReceive(doc.get())) {
                return CompletableFuture.completedFuture(Optional.<DocChanges>empty()); // denied == missing
            }
            return s.store.changesSince(r.getDocId(), heads, maxPart);
        });
        s.then(answer, (changes, err) -> {
            if (s.ended) return;
            if (err instanceof ChangesRejected rejected) {
                s.error(SyncError.Code.BAD_REQUEST, rejected.getMessage(), r.getDocId());
                return;
            }
            if (err != null) {
                s.storageFailed("reading " + r.getDocId(), err);
                return;
            }
            respond(r, changes);
        });
        return answer;
    }

    private void respond(DocRequest r, Optional<DocChanges> changes) {
        if (changes.isEmpty()) {
            s.send(SyncMessage.newBuilder().setDocResponse(DocResponse.newBuilder().setDocId(r.getDocId())
                    .setRequestId(r.getRequestId()).setNotFound(true)).build());
            return;
        }
        DocChanges c = changes.get();
        List<byte[]> parts = c.parts().isEmpty() ? List.of(new byte[0]) : c.parts();
        for (int i = 0; i < parts.size(); i++) {
            s.send(SyncMessage.newBuilder().setDocResponse(DocResponse.newBuilder()
                    .setDocId(r.getDocId()).setRequestId(r.getRequestId())
                    .setChanges(ByteString.copyFrom(parts.get(i)))
                    .addAllHeads(Wire.toProto(c.heads()))
                    .setReach(c.reach()).setOwner(c.owner() == null ? "" : c.owner())
                    .setMore(i < parts.size() - 1)).build());
        }
        served++;
    }

    long docsServed() {
        return served;
    }
}
