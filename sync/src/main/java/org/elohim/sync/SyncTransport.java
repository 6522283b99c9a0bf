package org.elohim.sync;

import org.elohim.api.v1.SyncMessage;

/**
 * The session's connection to its peer (a gRPC stream, a libp2p stream, a test's queue). Called
 * on the session's executor only; no method may block.
 */
public interface SyncTransport {

    /** Sends one message. */
    void send(SyncMessage message);

    /**
     * False while the transport's outbound buffer is full: the session then stops producing
     * Events and document answers until {@link SyncSession#onWritable()} is called.
     */
    default boolean isWritable() {
        return true;
    }

    /** The session can take {@code n} more inbound messages (manual inbound flow control). */
    default void request(int n) {
    }

    /** The session ended ({@code error} null: cleanly, else why); close the stream. */
    void close(SessionEnd end);

    /** Why a session ended. {@code storageFailure}: the peer should resend later (nothing was acknowledged past it). */
    record SessionEnd(String reason, boolean storageFailure, boolean protocolError) {
    }
}
