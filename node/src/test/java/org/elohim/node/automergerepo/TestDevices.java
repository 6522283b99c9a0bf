package org.elohim.node.automergerepo;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import org.elohim.node.device.AuthHeaders;
import org.elohim.node.device.DeviceKeys;
import org.elohim.node.device.PairingTokens;
import org.elohim.node.device.RegisteredDevice;

/** A device paired with a node through its pairing tokens, able to sign WebSocket upgrade URLs. */
public final class TestDevices {
    private static final SecureRandom RANDOM = new SecureRandom();

    public record Device(RegisteredDevice registered, KeyPair keys) {
        /** ws://host:port + path with the device API's auth fields as query parameters, signed for path. */
        public String signedUrl(String base, String path) throws Exception {
            String ts = Long.toString(System.currentTimeMillis());
            byte[] n = new byte[12];
            RANDOM.nextBytes(n);
            String nonce = HexFormat.of().formatHex(n);
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(keys.getPrivate());
            s.update(AuthHeaders.signedPayload(path, ts, nonce));
            String sig = Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
            return base + path + "?" + AuthHeaders.DEVICE_ID + "=" + enc(registered.deviceId()) + "&"
                    + AuthHeaders.TIMESTAMP + "=" + ts + "&" + AuthHeaders.NONCE + "=" + nonce + "&"
                    + AuthHeaders.SIGNATURE + "=" + enc(sig);
        }
    }

    private TestDevices() {
    }

    public static Device pair(PairingTokens pairing, String owner, String name) throws Exception {
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String token = pairing.createToken(owner, Duration.ofMinutes(5));
        RegisteredDevice d = pairing.pair(token, DeviceKeys.raw(kp.getPublic()), name).join();
        return new Device(d, kp);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
