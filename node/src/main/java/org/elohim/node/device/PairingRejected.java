package org.elohim.node.device;

/** A pairing attempt that must not register the device. */
public final class PairingRejected extends RuntimeException {
    public enum Reason {
        /** Unknown, used or expired token. */
        BAD_TOKEN,
        /** The public key or device name is unusable. */
        BAD_DEVICE
    }

    private final Reason reason;

    public PairingRejected(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
