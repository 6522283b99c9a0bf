package org.elohim.p2p.peer;

import org.elohim.p2p.codec.P2pProtocolException;

/** Bytes that are not a valid libp2p PublicKey / PrivateKey protobuf (or an unsupported key). */
public class KeyFormatException extends P2pProtocolException {
    public KeyFormatException(String message) {
        super(message);
    }

    public KeyFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
