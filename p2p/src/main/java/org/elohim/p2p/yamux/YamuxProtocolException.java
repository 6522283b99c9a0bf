package org.elohim.p2p.yamux;

import org.elohim.p2p.codec.P2pProtocolException;

/** The peer violated the yamux protocol: the session answers with GoAway(protocol error) and closes. */
public class YamuxProtocolException extends P2pProtocolException {
    public YamuxProtocolException(String message) {
        super(message);
    }
}
