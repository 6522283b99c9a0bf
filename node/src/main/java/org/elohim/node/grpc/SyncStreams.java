package org.elohim.node.grpc;

import io.grpc.stub.StreamObserver;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.reach.Requester;

/** Opens the node's side of one {@code Sync} stream for a proved requester. */
@FunctionalInterface
public interface SyncStreams {
    StreamObserver<SyncMessage> open(Requester requester, StreamObserver<SyncMessage> outbound);
}
