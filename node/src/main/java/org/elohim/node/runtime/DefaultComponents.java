package org.elohim.node.runtime;

import io.grpc.Status;
import java.util.List;
import org.elohim.node.grpc.SyncStreams;

/**
 * The production wiring of parts built beside the runtime: the realtime WebSocket endpoints and
 * the gRPC Sync stream. One place to change when a part lands.
 */
final class DefaultComponents {
    private DefaultComponents() {
    }

    static final WebSocketEndpoints WEB_SOCKETS = ctx -> List.of();

    static SyncStreams syncStreams(NodeStorage storage) {
        return (requester, outbound) -> {
            outbound.onError(Status.UNIMPLEMENTED.withDescription("sync is not available on this node yet")
                    .asRuntimeException());
            return new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(org.elohim.api.v1.SyncMessage value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        };
    }
}
