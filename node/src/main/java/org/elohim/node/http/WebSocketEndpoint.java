package org.elohim.node.http;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * A WebSocket endpoint mounted on the node's HTTP server. The server does the HTTP upgrade
 * (with {@link #maxFrameBytes()} as the frame limit) and then installs {@link #newSession}'s
 * handler, which receives {@code WebSocketFrame}s (text/binary; ping/pong/close are handled
 * by the server).
 *
 * <p>The server reassembles fragmented messages (up to {@link #maxFrameBytes()}; larger ones close
 * the connection with 1009), fires {@code WebSocketServerProtocolHandler.HandshakeComplete} to the
 * session handler once the 101 answer is written, and closes open sessions when the node stops.
 */
public interface WebSocketEndpoint {

    /** Exact request path, e.g. "/ws". */
    String path();

    int maxFrameBytes();

    /**
     * Called once per accepted upgrade. Throwing {@link UpgradeRefused} answers the upgrade
     * request with that HTTP status instead.
     */
    ChannelHandler newSession(UpgradeRequest request) throws UpgradeRefused;

    record UpgradeRequest(String path, Map<String, List<String>> queryParameters, HttpHeaders headers,
                          SocketAddress remoteAddress) {
    }

    final class UpgradeRefused extends Exception {
        private final int status;

        public UpgradeRefused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
