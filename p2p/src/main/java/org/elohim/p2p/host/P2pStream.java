package org.elohim.p2p.host;

import io.netty.channel.ChannelFuture;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.yamux.YamuxStreamChannel;

/**
 * A negotiated stream: the yamux child channel whose pipeline runs the protocol, the protocol agreed by
 * multistream-select, and the connection it belongs to.
 */
public record P2pStream(YamuxStreamChannel channel, String protocol, P2pConnection connection) {

    public PeerId remotePeer() {
        return connection.remotePeer();
    }

    /** Half-close: FIN after the pending writes. */
    public ChannelFuture closeWrite() {
        return channel.closeWrite();
    }
}
