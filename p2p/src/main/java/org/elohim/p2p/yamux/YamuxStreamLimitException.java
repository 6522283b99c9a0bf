package org.elohim.p2p.yamux;

/** A new stream cannot be opened now: too many streams, too many unacknowledged, or the session is going away. */
public class YamuxStreamLimitException extends RuntimeException {
    public YamuxStreamLimitException(String message) {
        super(message);
    }
}
