package org.elohim.node.device;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** A device key for tests, producing the authentication headers a real device sends. */
public final class TestDevice {
    private final KeyPair keys;
    private final SplittableRandom random;

    public TestDevice(long seed) {
        try {
            this.keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        this.random = new SplittableRandom(seed);
    }

    public byte[] publicKey() {
        return DeviceKeys.raw(keys.getPublic());
    }

    public String deviceId() {
        return DeviceKeys.deviceId(publicKey());
    }

    public String nonce() {
        byte[] b = new byte[16];
        for (int i = 0; i < b.length; i++) b[i] = (byte) random.nextInt(256);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public Map<String, String> headers(String method, long timestampMillis, String nonce) {
        Map<String, String> h = new HashMap<>();
        h.put(AuthHeaders.DEVICE_ID, deviceId());
        h.put(AuthHeaders.TIMESTAMP, Long.toString(timestampMillis));
        h.put(AuthHeaders.NONCE, nonce);
        h.put(AuthHeaders.SIGNATURE, sign(AuthHeaders.signedPayload(method, Long.toString(timestampMillis), nonce)));
        return h;
    }

    public String sign(byte[] payload) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(signRaw(payload));
    }

    public byte[] signRaw(byte[] payload) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(keys.getPrivate());
            s.update(payload);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
