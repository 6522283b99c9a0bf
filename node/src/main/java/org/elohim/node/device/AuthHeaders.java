package org.elohim.node.device;

import java.nio.charset.StandardCharsets;

/**
 * The device authentication scheme shared by gRPC metadata, WebSocket headers and query
 * parameters (docs/DEVICE-API.md). The device signs, with its Ed25519 key,
 * {@code "elohim-auth-v1\n" + method + "\n" + timestamp + "\n" + nonce}.
 */
public final class AuthHeaders {
    public static final String DEVICE_ID = "elohim-device-id";
    public static final String TIMESTAMP = "elohim-timestamp";
    public static final String NONCE = "elohim-nonce";
    public static final String SIGNATURE = "elohim-signature";
    /** Only in query/header maps that do not carry the method themselves (WebSocket upgrades). */
    public static final String METHOD = "elohim-method";

    public static final int MAX_NONCE_CHARS = 64;
    public static final int MIN_NONCE_CHARS = 16;

    private AuthHeaders() {
    }

    /** The exact bytes a device signs. */
    public static byte[] signedPayload(String method, String timestamp, String nonce) {
        return ("elohim-auth-v1\n" + method + "\n" + timestamp + "\n" + nonce).getBytes(StandardCharsets.UTF_8);
    }
}
