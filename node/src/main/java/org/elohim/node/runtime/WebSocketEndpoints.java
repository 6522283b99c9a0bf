package org.elohim.node.runtime;

import java.util.List;
import org.elohim.node.http.WebSocketEndpoint;

/**
 * Makes the WebSocket endpoints of a node once its storage is open. Endpoints that are also
 * {@link AutoCloseable} are closed when the node stops (after the HTTP server).
 */
@FunctionalInterface
public interface WebSocketEndpoints {
    List<WebSocketEndpoint> create(NodeContext context) throws Exception;

    WebSocketEndpoints NONE = ctx -> List.of();
}
