package org.elohim.node.runtime;

import org.elohim.node.config.NodeConfig;
import org.elohim.node.grpc.NodeSyncStreams;
import org.elohim.node.realtime.RealtimeEndpoints;

/**
 * The production wiring of parts built beside the runtime: the realtime WebSocket endpoints and
 * the gRPC Sync stream. One place to change when a part lands.
 */
final class DefaultComponents {
    private DefaultComponents() {
    }

    /** {@code /ws} (JSON subscribe/change) and {@code /automerge} (automerge-repo protocol "1"). */
    static final WebSocketEndpoints WEB_SOCKETS = RealtimeEndpoints::create;

    static NodeSyncStreams syncStreams(NodeConfig config, NodeStorage storage) {
        return new NodeSyncStreams(storage.documents(), storage.documents().peerPositions(), storage.reach(),
                storage.nodeId(), config.maxGrpcMessageBytes());
    }
}
