package org.elohim.p2p.noise;

/** A Noise message failed authentication (wrong key, tampered bytes, wrong nonce). */
public class NoiseDecryptionException extends NoiseException {
    public NoiseDecryptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
