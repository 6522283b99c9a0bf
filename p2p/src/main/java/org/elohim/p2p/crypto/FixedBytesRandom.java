package org.elohim.p2p.crypto;

import java.security.SecureRandom;

/**
 * A "random" source that returns one fixed 32-byte value. The JDK key pair generators for Ed25519 and X25519 draw
 * the private key with a single {@code nextBytes(byte[32])}; feeding them a known seed is the JDK's only route to
 * the public key of a given private key.
 */
final class FixedBytesRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] value;
    private boolean used;

    FixedBytesRandom(byte[] value) {
        this.value = value.clone();
    }

    @Override
    public synchronized void nextBytes(byte[] bytes) {
        if (used || bytes.length != value.length) {
            throw new IllegalStateException("unexpected use of fixed key material");
        }
        used = true;
        System.arraycopy(value, 0, bytes, 0, bytes.length);
    }
}
