package org.elohim.p2p.multiaddr;

import org.elohim.p2p.codec.P2pProtocolException;

/** Text or bytes that are not a valid multiaddr (unknown protocol, bad value, truncation, too long). */
public class MultiaddrException extends P2pProtocolException {
    public MultiaddrException(String message) {
        super(message);
    }

    public MultiaddrException(String message, Throwable cause) {
        super(message, cause);
    }
}
