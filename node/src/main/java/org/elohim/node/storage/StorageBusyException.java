package org.elohim.node.storage;

/**
 * The writer's queue is full: the write was not queued (nothing of it is stored). A caller should
 * answer "busy" (gRPC RESOURCE_EXHAUSTED, HTTP 503) and the client retry later; a sync session
 * ends without acknowledging, and the peer resends.
 */
public final class StorageBusyException extends RuntimeException {
    public StorageBusyException(String message) {
        super(message);
    }
}
