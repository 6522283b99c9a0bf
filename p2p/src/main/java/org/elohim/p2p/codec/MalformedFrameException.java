package org.elohim.p2p.codec;

/** Bytes that do not form a valid frame or message (bad varint, truncation, bad field, bad UTF-8 ...). */
public class MalformedFrameException extends P2pProtocolException {
    public MalformedFrameException(String message) {
        super(message);
    }

    public MalformedFrameException(String message, Throwable cause) {
        super(message, cause);
    }
}
