package org.elohim.p2p.transport;

import io.netty.channel.EventLoopGroup;
import org.elohim.p2p.multiaddr.Multiaddr;

import java.util.concurrent.CompletableFuture;

/**
 * One way of reaching peers (TCP, QUIC, WebSocket). A transport only makes connections; what a connection is
 * handed to the host as depends on what the transport already provides: a raw byte pipe that still needs
 * Noise and yamux, or a connection that is already authenticated and multiplexed (QUIC).
 */
public interface Transport extends AutoCloseable {

    /** Short name shown on connections: {@code tcp}, {@code quic}, {@code ws}. */
    String name();

    boolean canDial(Multiaddr addr);

    boolean canListen(Multiaddr addr);

    /**
     * Binds {@code addr} (port 0: ephemeral); inbound connections go to {@code sink} on their event loop.
     * Completes with the bound address (actual port, no {@code /p2p/}).
     */
    CompletableFuture<Multiaddr> listen(EventLoopGroup group, Multiaddr addr, ConnectionSink sink);

    /**
     * Dials {@code addr}; the connection goes to {@code sink}. The future completes when the sink got the
     * connection, and fails if none could be made (refused, unreachable, handshake failed).
     */
    CompletableFuture<Void> dial(EventLoopGroup group, Multiaddr addr, DialOptions options, ConnectionSink sink);

    /** Closes the listeners (open connections belong to the host). */
    @Override
    void close();
}
