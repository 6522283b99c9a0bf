package org.elohim.p2p.noise;

import java.util.Arrays;
import org.elohim.p2p.crypto.CryptoFailureException;
import org.elohim.p2p.crypto.X25519;

/**
 * Noise_XX_25519_ChaChaPoly_SHA256 handshake state machine with an empty prologue; pure (no I/O).
 *
 * <pre>
 *   -> e
 *   <- e, ee, s, es
 *   -> s, se
 * </pre>
 * Call {@link #writeMessage} / {@link #readMessage} in pattern order; after the third message
 * {@link #isComplete()} is true and {@link #split()} yields the transport ciphers. Malformed or unauthentic
 * messages raise {@link NoiseHandshakeException}.
 */
public final class NoiseXXHandshake {
    public static final int DH_LENGTH = 32;
    /** A Noise message never exceeds 65535 bytes. */
    public static final int MAX_MESSAGE_LENGTH = 65535;

    private final Role role;
    private final SymmetricState ss = new SymmetricState();
    private final byte[] staticPrivate;
    private final byte[] staticPublic;
    private final byte[] ephemeralPrivate;
    private byte[] ephemeralPublic;
    private byte[] remoteEphemeral;
    private byte[] remoteStatic;
    private int step; // number of messages processed (0..3)
    private boolean failed;

    /**
     * @param staticPrivate    our X25519 static private key (32 bytes)
     * @param ephemeralPrivate our X25519 ephemeral private key (32 bytes), or null for a fresh random one
     */
    public NoiseXXHandshake(Role role, byte[] staticPrivate, byte[] ephemeralPrivate) {
        this.role = role;
        this.staticPrivate = staticPrivate.clone();
        this.staticPublic = X25519.publicKey(this.staticPrivate);
        this.ephemeralPrivate = ephemeralPrivate != null ? ephemeralPrivate.clone() : X25519.randomPrivateKey();
        ss.mixHash(new byte[0]); // empty prologue
    }

    public static NoiseXXHandshake initiator(byte[] staticPrivate, byte[] ephemeralPrivate) {
        return new NoiseXXHandshake(Role.INITIATOR, staticPrivate, ephemeralPrivate);
    }

    public static NoiseXXHandshake responder(byte[] staticPrivate, byte[] ephemeralPrivate) {
        return new NoiseXXHandshake(Role.RESPONDER, staticPrivate, ephemeralPrivate);
    }

    public Role role() {
        return role;
    }

    public byte[] localStaticPublicKey() {
        return staticPublic.clone();
    }

    /** The remote static key, known to the initiator after message 2 and to the responder after message 3. */
    public byte[] remoteStaticPublicKey() {
        if (remoteStatic == null) {
            throw new IllegalStateException("remote static key not yet known");
        }
        return remoteStatic.clone();
    }

    public boolean isComplete() {
        return step == 3;
    }

    /** True if it is our turn to write the next message. */
    public boolean isMyTurn() {
        return !isComplete() && ((step % 2 == 0) == (role == Role.INITIATOR));
    }

    public byte[] handshakeHash() {
        return ss.handshakeHash();
    }

    /**
     * Writes the next handshake message carrying {@code payload}.
     *
     * @throws NoiseHandshakeException if the remote's ephemeral key makes Diffie-Hellman fail (small order)
     */
    public byte[] writeMessage(byte[] payload) {
        checkState(true);
        byte[] out;
        try {
            switch (step) {
                case 0 -> {
                    ephemeralPublic = X25519.publicKey(ephemeralPrivate);
                    ss.mixHash(ephemeralPublic);
                    out = concat(ephemeralPublic, ss.encryptAndHash(payload));
                }
                case 1 -> {
                    ephemeralPublic = X25519.publicKey(ephemeralPrivate);
                    ss.mixHash(ephemeralPublic);
                    ss.mixKey(dh(ephemeralPrivate, remoteEphemeral));
                    byte[] encS = ss.encryptAndHash(staticPublic);
                    ss.mixKey(dh(staticPrivate, remoteEphemeral));
                    out = concat(ephemeralPublic, encS, ss.encryptAndHash(payload));
                }
                default -> {
                    byte[] encS = ss.encryptAndHash(staticPublic);
                    ss.mixKey(dh(staticPrivate, remoteEphemeral));
                    out = concat(encS, ss.encryptAndHash(payload));
                }
            }
        } catch (CryptoFailureException e) {
            failed = true;
            throw new NoiseHandshakeException("Noise handshake message " + (step + 1) + " cannot be written: "
                    + e.getMessage(), e);
        }
        if (out.length > MAX_MESSAGE_LENGTH) {
            failed = true;
            throw new IllegalArgumentException("handshake payload too large");
        }
        step++;
        return out;
    }

    /** Reads the next handshake message; returns its payload. */
    public byte[] readMessage(byte[] message) {
        checkState(false);
        try {
            if (message == null || message.length > MAX_MESSAGE_LENGTH) {
                throw new NoiseHandshakeException("handshake message too large");
            }
            byte[] payload;
            switch (step) {
                case 0 -> {
                    require(message, DH_LENGTH, "message 1");
                    remoteEphemeral = Arrays.copyOfRange(message, 0, DH_LENGTH);
                    ss.mixHash(remoteEphemeral);
                    payload = ss.decryptAndHash(Arrays.copyOfRange(message, DH_LENGTH, message.length));
                }
                case 1 -> {
                    int sEnd = DH_LENGTH + DH_LENGTH + CipherState.TAG_LENGTH;
                    require(message, sEnd + CipherState.TAG_LENGTH, "message 2");
                    remoteEphemeral = Arrays.copyOfRange(message, 0, DH_LENGTH);
                    ss.mixHash(remoteEphemeral);
                    ss.mixKey(dh(ephemeralPrivate, remoteEphemeral));
                    remoteStatic = ss.decryptAndHash(Arrays.copyOfRange(message, DH_LENGTH, sEnd));
                    ss.mixKey(dh(ephemeralPrivate, remoteStatic));
                    payload = ss.decryptAndHash(Arrays.copyOfRange(message, sEnd, message.length));
                }
                default -> {
                    int sEnd = DH_LENGTH + CipherState.TAG_LENGTH;
                    require(message, sEnd + CipherState.TAG_LENGTH, "message 3");
                    remoteStatic = ss.decryptAndHash(Arrays.copyOfRange(message, 0, sEnd));
                    ss.mixKey(dh(ephemeralPrivate, remoteStatic));
                    payload = ss.decryptAndHash(Arrays.copyOfRange(message, sEnd, message.length));
                }
            }
            step++;
            return payload;
        } catch (NoiseDecryptionException | CryptoFailureException e) {
            failed = true;
            throw new NoiseHandshakeException("Noise handshake message " + (step + 1) + " rejected: "
                    + e.getMessage(), e);
        } catch (NoiseHandshakeException e) {
            failed = true;
            throw e;
        }
    }

    /** The transport ciphers (sender, receiver) for our role; only after completion. */
    public TransportCiphers split() {
        if (!isComplete()) {
            throw new IllegalStateException("handshake not complete");
        }
        CipherState[] cs = ss.split();
        return role == Role.INITIATOR ? new TransportCiphers(cs[0], cs[1]) : new TransportCiphers(cs[1], cs[0]);
    }

    private void checkState(boolean writing) {
        if (failed) {
            throw new IllegalStateException("handshake already failed");
        }
        if (isComplete()) {
            throw new IllegalStateException("handshake already complete");
        }
        if (isMyTurn() != writing) {
            throw new IllegalStateException(writing ? "not our turn to write" : "not our turn to read");
        }
    }

    private static void require(byte[] m, int min, String what) {
        if (m.length < min) {
            throw new NoiseHandshakeException(what + " too short: " + m.length + " < " + min);
        }
    }

    private static byte[] dh(byte[] priv, byte[] pub) {
        return X25519.sharedSecret(priv, pub);
    }

    private static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        byte[] out = new byte[len];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }
}
