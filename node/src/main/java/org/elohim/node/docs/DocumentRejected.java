package org.elohim.node.docs;

/** Input that must not be stored: malformed Automerge bytes, bad hashes, oversized changes. */
public final class DocumentRejected extends RuntimeException {
    public enum Reason { MALFORMED_CHANGES, BAD_HASH, TOO_LARGE, INVALID_ID }

    private final Reason reason;

    public DocumentRejected(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DocumentRejected(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
