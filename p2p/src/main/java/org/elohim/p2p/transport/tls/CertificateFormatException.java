package org.elohim.p2p.transport.tls;

import org.elohim.p2p.codec.P2pProtocolException;

/** A peer certificate that is malformed, not self-consistent, or lacks a valid libp2p public key extension. */
public class CertificateFormatException extends P2pProtocolException {
    public CertificateFormatException(String message) {
        super(message);
    }

    public CertificateFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
