package org.elohim.p2p.noise;

/** The Noise XX handshake failed: bad message, bad payload, bad signature, no common muxer, timeout ... */
public class NoiseHandshakeException extends NoiseException {
    public NoiseHandshakeException(String message) {
        super(message);
    }

    public NoiseHandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
