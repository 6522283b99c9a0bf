package org.elohim.p2p.codec;

/** A frame announced (or would need) more bytes than the configured limit. */
public class FrameTooLargeException extends P2pProtocolException {
    private final long length;
    private final long limit;

    public FrameTooLargeException(long length, long limit) {
        super("frame of " + length + " bytes exceeds limit of " + limit);
        this.length = length;
        this.limit = limit;
    }

    public long length() {
        return length;
    }

    public long limit() {
        return limit;
    }
}
