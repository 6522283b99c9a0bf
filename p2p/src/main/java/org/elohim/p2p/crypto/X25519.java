package org.elohim.p2p.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/** X25519 (RFC 7748) on raw little-endian 32-byte keys, JDK only. */
public final class X25519 {
    public static final int KEY_LENGTH = 32;
    private static final BigInteger BASE_POINT = BigInteger.valueOf(9);

    private X25519() {
    }

    public static byte[] randomPrivateKey() {
        byte[] k = new byte[KEY_LENGTH];
        new SecureRandom().nextBytes(k);
        return k;
    }

    /** The public key (u-coordinate of scalar x base point) for a raw private scalar; clamping happens inside. */
    public static byte[] publicKey(byte[] privateKey) {
        Ed25519.requireLength(privateKey, KEY_LENGTH, "X25519 private key");
        try {
            return agree(privateKey, KeyFactory.getInstance("XDH")
                    .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BASE_POINT)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks X25519", e);
        }
    }

    /**
     * Diffie-Hellman with a peer's raw public key.
     *
     * @throws CryptoFailureException if the peer key is malformed or of small order (all-zero shared secret)
     */
    public static byte[] sharedSecret(byte[] privateKey, byte[] peerPublicKey) {
        Ed25519.requireLength(privateKey, KEY_LENGTH, "X25519 private key");
        if (peerPublicKey == null || peerPublicKey.length != KEY_LENGTH) {
            throw new CryptoFailureException("X25519 public key must be 32 bytes");
        }
        byte[] le = peerPublicKey.clone();
        le[31] &= 0x7F; // RFC 7748: ignore the most significant bit
        BigInteger u = new BigInteger(1, Ed25519.reverse(le));
        try {
            PublicKey pub = KeyFactory.getInstance("XDH")
                    .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u));
            return agree(privateKey, pub);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CryptoFailureException("X25519 agreement failed: " + e.getMessage(), e);
        }
    }

    private static byte[] agree(byte[] privateKey, PublicKey pub) throws GeneralSecurityException {
        PrivateKey priv = KeyFactory.getInstance("XDH")
                .generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey.clone()));
        KeyAgreement ka = KeyAgreement.getInstance("XDH");
        ka.init(priv);
        ka.doPhase(pub, true);
        byte[] secret = ka.generateSecret();
        int acc = 0;
        for (byte b : secret) {
            acc |= b;
        }
        if (acc == 0) {
            throw new java.security.InvalidKeyException("small-order point");
        }
        return secret;
    }
}
