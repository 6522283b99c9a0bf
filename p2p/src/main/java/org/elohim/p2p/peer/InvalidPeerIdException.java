package org.elohim.p2p.peer;

import org.elohim.p2p.codec.P2pProtocolException;

/** Text or bytes that are not a valid libp2p peer id. */
public class InvalidPeerIdException extends P2pProtocolException {
    public InvalidPeerIdException(String message) {
        super(message);
    }

    public InvalidPeerIdException(String message, Throwable cause) {
        super(message, cause);
    }
}
