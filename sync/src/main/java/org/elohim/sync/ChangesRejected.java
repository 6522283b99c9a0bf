package org.elohim.sync;

/**
 * Bad input, not a storage failure: the changes of one document were malformed, too large, or
 * not permitted. The engine reports it to the peer and goes on with other documents; any other
 * failure of a {@link SyncStore} future ends the session without acknowledging.
 */
public final class ChangesRejected extends RuntimeException {
    public enum Reason { MALFORMED, TOO_LARGE, DENIED }

    private final Reason reason;

    public ChangesRejected(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
