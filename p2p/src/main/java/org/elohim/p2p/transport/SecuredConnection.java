package org.elohim.p2p.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.PeerId;

/** A connection a transport has authenticated and multiplexed itself (QUIC with libp2p TLS). */
public interface SecuredConnection extends StreamMuxer {

    /** The connection's channel; closing it closes the connection. */
    Channel channel();

    String transport();

    PeerId remotePeer();

    /** The peer's marshalled libp2p public key, as proven by the handshake. */
    byte[] remotePublicKey();

    boolean outbound();

    Multiaddr remoteAddr();

    Multiaddr localAddr();

    /** Sets the initializer of the streams the peer opens (a {@code @Sharable} handler); before any arrive. */
    void inboundStreams(ChannelHandler initializer);
}
