package org.elohim.node.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.elohim.node.reach.Requester;

/**
 * One HTTP request as a route sees it: already aggregated (bounded by http.max_request_bytes),
 * with the path parameters of the matched route and the requester the node proved it to be.
 */
public record HttpExchange(String method, String path, Map<String, String> pathParams,
                           Map<String, List<String>> query, HttpHeaders headers, SocketAddress remoteAddress,
                           byte[] body, Requester requester) {

    public String pathParam(String name) {
        String v = pathParams.get(name);
        if (v == null) throw new IllegalArgumentException("route has no parameter " + name);
        return v;
    }

    public Optional<String> queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    /** A bounded integer query parameter; 400 if present but malformed or out of range. */
    public int intParam(String name, int defaultValue, int min, int max) {
        Optional<String> v = queryParam(name);
        if (v.isEmpty()) return defaultValue;
        try {
            int i = Integer.parseInt(v.get());
            if (i < min || i > max) throw HttpError.badRequest(name + " must be in [" + min + ", " + max + "]");
            return i;
        } catch (NumberFormatException e) {
            throw HttpError.badRequest(name + " must be an integer");
        }
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** True when the TCP peer is this machine (admin routes require it). */
    public boolean fromLoopback() {
        return remoteAddress instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }
}
