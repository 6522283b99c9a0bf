package org.elohim.node.device;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * Ed25519 device keys on the wire: raw 32-byte public keys, the device id derived from them,
 * and signature checks. JDK crypto only.
 */
public final class DeviceKeys {
    public static final int PUBLIC_KEY_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;
    /** DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410); the raw key follows. */
    private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private DeviceKeys() {
    }

    /** "dev-" + lowercase unpadded base32 of SHA-256(raw public key): stable, unforgeable, 56 chars. */
    public static String deviceId(byte[] rawPublicKey) {
        requireRawKey(rawPublicKey);
        return "dev-" + base32(sha256(rawPublicKey));
    }

    public static PublicKey publicKey(byte[] rawPublicKey) {
        requireRawKey(rawPublicKey);
        byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + PUBLIC_KEY_BYTES);
        System.arraycopy(rawPublicKey, 0, der, X509_PREFIX.length, PUBLIC_KEY_BYTES);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key", e);
        }
    }

    /** Raw 32 bytes of a JDK Ed25519 public key (its X.509 encoding minus the fixed prefix). */
    public static byte[] raw(PublicKey key) {
        byte[] der = key.getEncoded();
        if (der.length != X509_PREFIX.length + PUBLIC_KEY_BYTES) throw new IllegalArgumentException("not Ed25519");
        return Arrays.copyOfRange(der, X509_PREFIX.length, der.length);
    }

    public static boolean verify(byte[] rawPublicKey, byte[] message, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_BYTES) return false;
        try {
            Signature v = Signature.getInstance("Ed25519");
            v.initVerify(publicKey(rawPublicKey));
            v.update(message);
            return v.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    public static boolean verify(byte[] rawPublicKey, String message, byte[] signature) {
        return verify(rawPublicKey, message.getBytes(StandardCharsets.UTF_8), signature);
    }

    static void requireRawKey(byte[] rawPublicKey) {
        if (rawPublicKey == null || rawPublicKey.length != PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String base32(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                sb.append(BASE32[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) sb.append(BASE32[(buffer << (5 - bits)) & 31]);
        return sb.toString();
    }
}
