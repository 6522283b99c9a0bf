package org.elohim.p2p.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.concurrent.Future;

/** The stream layer of a connection: yamux over a secured byte pipe, or QUIC's own streams. */
public interface StreamMuxer {

    /** Opens an outbound stream; {@code initializer} is added to its pipeline before it is used. */
    Future<? extends Channel> openStream(ChannelHandler initializer);

    /** Streams currently open (event loop only). */
    int streamCount();
}
