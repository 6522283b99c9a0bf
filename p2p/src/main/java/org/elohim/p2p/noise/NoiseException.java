package org.elohim.p2p.noise;

import org.elohim.p2p.codec.P2pProtocolException;

/** Base of Noise failures: the secure channel cannot continue and is closed. */
public class NoiseException extends P2pProtocolException {
    public NoiseException(String message) {
        super(message);
    }

    public NoiseException(String message, Throwable cause) {
        super(message, cause);
    }
}
