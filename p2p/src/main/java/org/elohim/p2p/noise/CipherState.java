package org.elohim.p2p.noise;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Noise CipherState for ChaChaPoly: key k and 64-bit counter n; nonce = 4 zero bytes || n little-endian. Every
 * encryption or successful decryption advances n, so the JDK never sees the same key+nonce twice for ENCRYPT.
 * Not thread-safe (one per direction, used on the event loop).
 */
public final class CipherState {
    public static final int KEY_LENGTH = 32;
    public static final int TAG_LENGTH = 16;
    private static final byte[] EMPTY = new byte[0];

    private final SecretKeySpec key;
    private final Cipher cipher;
    private final byte[] nonceBytes = new byte[12];
    private long n;

    public CipherState(byte[] key) {
        if (key == null || key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("ChaChaPoly key must be 32 bytes");
        }
        this.key = new SecretKeySpec(key, "ChaCha20");
        try {
            this.cipher = Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks ChaCha20-Poly1305", e);
        }
    }

    /** The next nonce counter value. */
    public long nonce() {
        return n;
    }

    /** Noise SetNonce(): skips to counter {@code n} (e.g. to resume at a known position). */
    public void setNonce(long n) {
        this.n = n;
    }

    /** Encrypts {@code plaintext} with associated data {@code ad}; returns ciphertext || tag. */
    public byte[] encryptWithAd(byte[] ad, byte[] plaintext) {
        byte[] out = new byte[plaintext.length + TAG_LENGTH];
        encrypt(ad, plaintext, 0, plaintext.length, out, 0);
        return out;
    }

    /** @throws NoiseDecryptionException if authentication fails (n is then not advanced) */
    public byte[] decryptWithAd(byte[] ad, byte[] ciphertext) {
        if (ciphertext.length < TAG_LENGTH) {
            throw new NoiseDecryptionException("ciphertext shorter than the tag", null);
        }
        byte[] out = new byte[ciphertext.length - TAG_LENGTH];
        decrypt(ad, ciphertext, 0, ciphertext.length, out, 0);
        return out;
    }

    /** Array form of encryption; writes {@code len + 16} bytes at {@code outOff}. */
    public int encrypt(byte[] ad, byte[] in, int inOff, int len, byte[] out, int outOff) {
        try {
            init(Cipher.ENCRYPT_MODE, ad);
            int written = cipher.doFinal(in, inOff, len, out, outOff);
            n++;
            return written;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 encryption failed", e);
        }
    }

    /** Array form of decryption; writes {@code len - 16} bytes at {@code outOff}. */
    public int decrypt(byte[] ad, byte[] in, int inOff, int len, byte[] out, int outOff) {
        if (len < TAG_LENGTH) {
            throw new NoiseDecryptionException("ciphertext shorter than the tag", null);
        }
        try {
            init(Cipher.DECRYPT_MODE, ad);
            int written = cipher.doFinal(in, inOff, len, out, outOff);
            n++;
            return written;
        } catch (AEADBadTagException e) {
            throw new NoiseDecryptionException("Noise message failed authentication", e);
        } catch (GeneralSecurityException e) {
            throw new NoiseDecryptionException("Noise decryption failed: " + e.getMessage(), e);
        }
    }

    /** ByteBuffer form (transport messages, empty AD): encrypts all of {@code in} into {@code out}. */
    public int encrypt(ByteBuffer in, ByteBuffer out) {
        try {
            init(Cipher.ENCRYPT_MODE, EMPTY);
            int written = cipher.doFinal(in, out);
            n++;
            return written;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 encryption failed", e);
        }
    }

    /** ByteBuffer form (transport messages, empty AD): decrypts all of {@code in} into {@code out}. */
    public int decrypt(ByteBuffer in, ByteBuffer out) {
        if (in.remaining() < TAG_LENGTH) {
            throw new NoiseDecryptionException("ciphertext shorter than the tag", null);
        }
        try {
            init(Cipher.DECRYPT_MODE, EMPTY);
            int written = cipher.doFinal(in, out);
            n++;
            return written;
        } catch (AEADBadTagException e) {
            throw new NoiseDecryptionException("Noise message failed authentication", e);
        } catch (GeneralSecurityException e) {
            throw new NoiseDecryptionException("Noise decryption failed: " + e.getMessage(), e);
        }
    }

    private void init(int mode, byte[] ad) throws GeneralSecurityException {
        if (n == -1L) { // 2^64 - 1 is reserved by the Noise spec
            throw new NoiseException("Noise nonce exhausted");
        }
        long v = n;
        for (int i = 0; i < 8; i++) {
            nonceBytes[4 + i] = (byte) v;
            v >>>= 8;
        }
        cipher.init(mode, key, new IvParameterSpec(nonceBytes));
        if (ad.length > 0) {
            cipher.updateAAD(ad);
        }
    }

    /** The 12-byte nonce for counter {@code n}. */
    public static byte[] nonceBytes(long n) {
        byte[] nonce = new byte[12];
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (n >>> (8 * i));
        }
        return nonce;
    }
}
