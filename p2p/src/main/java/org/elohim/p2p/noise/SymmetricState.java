package org.elohim.p2p.noise;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Noise SymmetricState with SHA-256 / HMAC-SHA256 HKDF (Noise spec section 5.2). */
final class SymmetricState {
    static final String PROTOCOL_NAME = "Noise_XX_25519_ChaChaPoly_SHA256";

    private byte[] ck;
    private byte[] h;
    private CipherState k;

    SymmetricState() {
        byte[] name = PROTOCOL_NAME.getBytes(StandardCharsets.US_ASCII);
        // The name is exactly HASHLEN (32) bytes, so h = name without hashing.
        h = name.clone();
        ck = name.clone();
    }

    void mixHash(byte[] data) {
        MessageDigest sha = sha256();
        sha.update(h);
        sha.update(data);
        h = sha.digest();
    }

    void mixKey(byte[] ikm) {
        byte[][] out = hkdf(ck, ikm);
        ck = out[0];
        k = new CipherState(out[1]);
    }

    byte[] encryptAndHash(byte[] plaintext) {
        byte[] c = k == null ? plaintext.clone() : k.encryptWithAd(h, plaintext);
        mixHash(c);
        return c;
    }

    byte[] decryptAndHash(byte[] ciphertext) {
        byte[] p = k == null ? ciphertext.clone() : k.decryptWithAd(h, ciphertext);
        mixHash(ciphertext);
        return p;
    }

    boolean hasKey() {
        return k != null;
    }

    byte[] handshakeHash() {
        return h.clone();
    }

    /** Returns {c1 (initiator to responder), c2 (responder to initiator)}. */
    CipherState[] split() {
        byte[][] out = hkdf(ck, new byte[0]);
        return new CipherState[] {new CipherState(out[0]), new CipherState(out[1])};
    }

    static byte[][] hkdf(byte[] chainingKey, byte[] ikm) {
        byte[] temp = hmac(chainingKey, ikm);
        byte[] out1 = hmac(temp, new byte[] {1});
        byte[] in2 = new byte[out1.length + 1];
        System.arraycopy(out1, 0, in2, 0, out1.length);
        in2[out1.length] = 2;
        byte[] out2 = hmac(temp, in2);
        return new byte[][] {out1, out2};
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks HmacSHA256", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
