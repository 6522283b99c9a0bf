package org.elohim.node.blobs;

/** An upload the store refuses; nothing of it becomes visible. */
public final class BlobRejected extends RuntimeException {
    public enum Reason { MALFORMED, HASH_MISMATCH, TOO_LARGE, QUOTA_EXCEEDED, INCOMPLETE }

    private final Reason reason;

    public BlobRejected(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
