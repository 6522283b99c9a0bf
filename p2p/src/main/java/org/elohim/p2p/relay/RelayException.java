package org.elohim.p2p.relay;

import org.elohim.p2p.codec.P2pProtocolException;

/** A relay answered with a status other than OK. */
public final class RelayException extends P2pProtocolException {
    private final RelayStatus status;

    public RelayException(RelayStatus status, String message) {
        super(message + ": " + status);
        this.status = status;
    }

    public RelayStatus status() {
        return status;
    }
}
