package org.elohim.p2p.host;

import org.elohim.p2p.identify.IdentifyMessage;

/** Connection lifecycle events of a {@link Host}; called on the connection's event loop, keep them short. */
public interface HostListener {
    default void connected(P2pConnection connection) {
    }

    default void disconnected(P2pConnection connection) {
    }

    /** The peer answered identify (or pushed an update). */
    default void identified(P2pConnection connection, IdentifyMessage message) {
    }
}
