package org.elohim.client;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The device's Ed25519 key (JDK crypto) and the authentication headers it signs for each call
 * (docs/DEVICE-API.md): {@code "elohim-auth-v1\n" + method + "\n" + timestamp + "\n" + nonce}.
 */
final class DeviceKey {
    static final String DEVICE_ID = "elohim-device-id";
    static final String TIMESTAMP = "elohim-timestamp";
    static final String NONCE = "elohim-nonce";
    static final String SIGNATURE = "elohim-signature";
    private static final int X509_PREFIX_LENGTH = 12;

    private final PrivateKey privateKey;
    private final byte[] rawPublicKey;
    private final SecureRandom random = new SecureRandom();

    private DeviceKey(PrivateKey privateKey, byte[] rawPublicKey) {
        this.privateKey = privateKey;
        this.rawPublicKey = rawPublicKey;
    }

    static DeviceKey generate() {
        try {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new DeviceKey(kp.getPrivate(), raw(kp.getPublic()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 unavailable", e);
        }
    }

    /** From {@link #pkcs8()} and {@link #publicKey()} as persisted. */
    static DeviceKey load(byte[] pkcs8, byte[] rawPublicKey) {
        try {
            PrivateKey k = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            return new DeviceKey(k, rawPublicKey.clone());
        } catch (GeneralSecurityException e) {
            throw new ClientException("stored device key is unreadable", e);
        }
    }

    private static byte[] raw(PublicKey key) {
        byte[] der = key.getEncoded();
        return Arrays.copyOfRange(der, X509_PREFIX_LENGTH, der.length);
    }

    byte[] pkcs8() {
        return privateKey.getEncoded();
    }

    byte[] publicKey() {
        return rawPublicKey.clone();
    }

    /** Headers for one call of {@code fullMethodName}; a fresh nonce every time. */
    Map<String, String> headers(String deviceId, String fullMethodName, long nowMillis) {
        byte[] n = new byte[16];
        random.nextBytes(n);
        String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(n);
        String ts = Long.toString(nowMillis);
        byte[] payload = ("elohim-auth-v1\n" + fullMethodName + "\n" + ts + "\n" + nonce).getBytes(StandardCharsets.UTF_8);
        Map<String, String> h = new LinkedHashMap<>();
        h.put(DEVICE_ID, deviceId);
        h.put(TIMESTAMP, ts);
        h.put(NONCE, nonce);
        h.put(SIGNATURE, Base64.getUrlEncoder().withoutPadding().encodeToString(sign(payload)));
        return h;
    }

    /** Proof of possession for {@code Pair}: a signature of {@code "elohim-pair-v1\n" + token}. */
    byte[] pairingSignature(String token) {
        return sign(("elohim-pair-v1\n" + token).getBytes(StandardCharsets.UTF_8));
    }

    private byte[] sign(byte[] payload) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(payload);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
