package org.elohim.node.device;

import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.elohim.node.reach.Requester;

/**
 * Verifies the device authentication headers (docs/DEVICE-API.md) for every transport: gRPC
 * metadata, WebSocket upgrade headers or query parameters.
 *
 * <p>No headers at all means an anonymous caller ({@code Optional.empty()}). Headers that are
 * present but do not prove a registered, unrevoked device are an error, never a silent
 * downgrade: a client that meant to authenticate learns that it failed.
 */
public final class DeviceAuthenticator {
    public static final Duration DEFAULT_MAX_SKEW = Duration.ofMinutes(2);
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{" + AuthHeaders.MIN_NONCE_CHARS + ","
            + AuthHeaders.MAX_NONCE_CHARS + "}");
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,15}");

    private final DeviceRegistry registry;
    private final Clock clock;
    private final long maxSkewMillis;
    private final NonceCache nonces;

    public DeviceAuthenticator(DeviceRegistry registry, Clock clock, Duration maxSkew) {
        this.registry = registry;
        this.clock = clock;
        this.maxSkewMillis = maxSkew.toMillis();
        // A nonce only needs remembering while its timestamp is still acceptable (both sides of now).
        this.nonces = new NonceCache(2 * maxSkewMillis, 200_000);
    }

    public DeviceAuthenticator(DeviceRegistry registry) {
        this(registry, Clock.systemUTC(), DEFAULT_MAX_SKEW);
    }

    /**
     * For maps that name the signed method themselves under {@link AuthHeaders#METHOD}
     * (a WebSocket upgrade signs its request path, e.g. "/ws").
     */
    public Optional<Requester.Device> authenticate(Map<String, String> headersOrQuery) throws AuthenticationFailed {
        if (!hasAny(headersOrQuery)) return Optional.empty();
        String method = headersOrQuery.get(AuthHeaders.METHOD);
        if (method == null || method.isEmpty()) throw new AuthenticationFailed("missing " + AuthHeaders.METHOD);
        return authenticate(method, headersOrQuery);
    }

    /** Verifies a request for {@code method} (gRPC: the full method name, "elohim.v1.ElohimNode/GetDocument"). */
    public Optional<Requester.Device> authenticate(String method, Map<String, String> headers) throws AuthenticationFailed {
        if (!hasAny(headers)) return Optional.empty();
        String deviceId = required(headers, AuthHeaders.DEVICE_ID);
        String timestamp = required(headers, AuthHeaders.TIMESTAMP);
        String nonce = required(headers, AuthHeaders.NONCE);
        String signature = required(headers, AuthHeaders.SIGNATURE);
        if (!TIMESTAMP.matcher(timestamp).matches()) throw new AuthenticationFailed("malformed timestamp");
        if (!NONCE.matcher(nonce).matches()) throw new AuthenticationFailed("malformed nonce");
        long now = clock.millis();
        long at = Long.parseLong(timestamp);
        if (Math.abs(now - at) > maxSkewMillis) throw new AuthenticationFailed("timestamp outside the accepted window");
        byte[] sig;
        try {
            sig = Base64.getUrlDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            throw new AuthenticationFailed("malformed signature");
        }
        RegisteredDevice device = registry.find(deviceId)
                .filter(d -> !d.revoked())
                .orElseThrow(() -> new AuthenticationFailed("unknown or revoked device"));
        if (!DeviceKeys.verify(device.publicKey(), AuthHeaders.signedPayload(method, timestamp, nonce), sig)) {
            throw new AuthenticationFailed("bad signature");
        }
        // Recorded only after the signature checks out, so strangers cannot fill the cache.
        switch (nonces.record(deviceId, nonce, now)) {
            case REPLAYED -> throw new AuthenticationFailed("nonce already used");
            case FULL -> throw new AuthenticationFailed("too many requests; retry shortly");
            default -> {
            }
        }
        return Optional.of(new Requester.Device(device.deviceId(), device.owner()));
    }

    private static boolean hasAny(Map<String, String> h) {
        return h.containsKey(AuthHeaders.DEVICE_ID) || h.containsKey(AuthHeaders.TIMESTAMP)
                || h.containsKey(AuthHeaders.NONCE) || h.containsKey(AuthHeaders.SIGNATURE);
    }

    private static String required(Map<String, String> h, String name) throws AuthenticationFailed {
        String v = h.get(name);
        if (v == null || v.isEmpty()) throw new AuthenticationFailed("missing " + name);
        if (v.length() > 256) throw new AuthenticationFailed(name + " too long");
        return v;
    }
}
