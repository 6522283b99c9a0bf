package org.elohim.p2p.transport;

import io.netty.channel.Channel;
import org.elohim.p2p.multiaddr.Multiaddr;

/** Where a transport delivers the connections it made; implemented by the host. Called on the event loop. */
public interface ConnectionSink {

    /**
     * A raw, unauthenticated byte pipe (TCP socket, WebSocket) before any of its bytes are read: the host puts
     * the security and muxer upgrade in its pipeline (added last, it sees plain {@code ByteBuf}s). Null addresses:
     * a TCP socket not connected yet, whose own addresses apply.
     */
    void rawChannel(Channel channel, Multiaddr remote, Multiaddr local);

    /** A connection the transport already authenticated and multiplexed (QUIC). */
    void securedConnection(SecuredConnection connection);
}
