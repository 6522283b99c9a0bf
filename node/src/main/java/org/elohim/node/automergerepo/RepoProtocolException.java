package org.elohim.node.automergerepo;

/** A frame that is not a valid automerge-repo message. */
public final class RepoProtocolException extends Exception {
    public enum Reason {
        /** Larger than the configured frame limit. */
        TOO_LARGE,
        /** Not well-formed CBOR, trailing bytes, or nested too deep. */
        MALFORMED_CBOR,
        /** Well-formed CBOR, but not a map with the fields its type needs. */
        INVALID_MESSAGE
    }

    private final Reason reason;

    public RepoProtocolException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public RepoProtocolException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
