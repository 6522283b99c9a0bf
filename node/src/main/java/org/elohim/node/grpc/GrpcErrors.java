package org.elohim.node.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.elohim.node.device.PairingRejected;
import org.elohim.node.docs.DocumentRejected;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps failures of the node's services to the gRPC status the caller sees. */
final class GrpcErrors {
    private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    static StatusRuntimeException notFound(String docId) {
        return Status.NOT_FOUND.withDescription("document not found: " + docId).asRuntimeException();
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException toStatus(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof StatusRuntimeException s) return s;
        if (t instanceof DocumentRejected r) {
            Status s = r.reason() == DocumentRejected.Reason.TOO_LARGE ? Status.RESOURCE_EXHAUSTED : Status.INVALID_ARGUMENT;
            return s.withDescription("rejected (" + r.reason() + "): " + r.getMessage()).asRuntimeException();
        }
        if (t instanceof org.elohim.node.docs.ContentUnavailable u) {
            return Status.FAILED_PRECONDITION.withDescription(u.getMessage()).asRuntimeException();
        }
        if (t instanceof PairingRejected p) {
            Status s = p.reason() == PairingRejected.Reason.BAD_TOKEN ? Status.PERMISSION_DENIED : Status.INVALID_ARGUMENT;
            return s.withDescription(p.getMessage()).asRuntimeException();
        }
        if (t instanceof IllegalArgumentException) return invalid(t.getMessage());
        if (t instanceof org.elohim.node.storage.StorageBusyException) {
            return Status.RESOURCE_EXHAUSTED.withDescription(t.getMessage() + "; retry later").asRuntimeException();
        }
        log.warn("device API call failed", t);
        return Status.INTERNAL.withDescription("internal error: " + t.getClass().getSimpleName()).asRuntimeException();
    }
}
