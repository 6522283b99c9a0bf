package org.elohim.node.realtime;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.elohim.node.config.RealtimeAccess;
import org.elohim.node.device.AuthHeaders;
import org.elohim.node.device.AuthenticationFailed;
import org.elohim.node.device.DeviceAuthenticator;
import org.elohim.node.http.WebSocketEndpoint.UpgradeRefused;
import org.elohim.node.http.WebSocketEndpoint.UpgradeRequest;
import org.elohim.node.reach.Requester;

/**
 * Classifies a WebSocket upgrade with the device API's signed headers. Browsers cannot set
 * headers on a WebSocket, so the same fields are accepted as query parameters. The signature
 * covers the upgrade's path, so a credential made for one endpoint is no good for another.
 * Credentials that are present but wrong are refused (401), never downgraded to anonymous.
 */
public final class RealtimeAuthentication {
    private static final List<String> FIELDS = List.of(AuthHeaders.DEVICE_ID, AuthHeaders.TIMESTAMP,
            AuthHeaders.NONCE, AuthHeaders.SIGNATURE);

    private final RealtimeAccess access;
    private final DeviceAuthenticator devices;

    public RealtimeAuthentication(RealtimeAccess access, DeviceAuthenticator devices) {
        this.access = access;
        this.devices = devices;
    }

    public RealtimeAccess access() {
        return access;
    }

    public Requester authenticate(UpgradeRequest request) throws UpgradeRefused {
        Map<String, String> fields = new HashMap<>();
        for (String f : FIELDS) {
            String v = request.headers() == null ? null : request.headers().get(f);
            if (v == null) v = first(request.queryParameters(), f);
            if (v != null) fields.put(f.toLowerCase(Locale.ROOT), v);
        }
        Optional<Requester.Device> device;
        try {
            device = fields.isEmpty() ? Optional.empty() : devices.authenticate(request.path(), fields);
        } catch (AuthenticationFailed e) {
            throw new UpgradeRefused(401, "device authentication failed: " + e.getMessage());
        }
        if (device.isPresent()) return device.get();
        if (access == RealtimeAccess.PAIRED) throw new UpgradeRefused(401, "this node accepts paired devices only");
        return Requester.ANONYMOUS;
    }

    private static String first(Map<String, List<String>> params, String key) {
        if (params == null) return null;
        List<String> v = params.get(key);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
