package org.elohim.p2p.crypto;

/** A cryptographic operation failed on peer-supplied input (bad key, small-order point, bad tag ...). */
public class CryptoFailureException extends org.elohim.p2p.codec.P2pProtocolException {
    public CryptoFailureException(String message) {
        super(message);
    }

    public CryptoFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
