package org.elohim.p2p.multistream;

import org.elohim.p2p.codec.P2pProtocolException;

/** multistream-select negotiation failed (bad header, unexpected message, closed, timed out ...). */
public class MultistreamException extends P2pProtocolException {
    public MultistreamException(String message) {
        super(message);
    }

    public MultistreamException(String message, Throwable cause) {
        super(message, cause);
    }
}
