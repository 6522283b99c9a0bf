package org.elohim.p2p.transport.quic;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;

/**
 * Streams the peer opens, on every QUIC connection of a transport: handed to the initializer the host set on
 * that connection. Unidirectional streams have no meaning in libp2p and are closed; so are streams that arrive
 * before the host took the connection.
 */
@ChannelHandler.Sharable
final class InboundQuicStreams extends ChannelInitializer<QuicStreamChannel> {

    static final InboundQuicStreams INSTANCE = new InboundQuicStreams();

    @Override
    protected void initChannel(QuicStreamChannel ch) {
        ChannelHandler init = ch.parent().attr(QuicConnection.INBOUND).get();
        QuicConnection conn = ch.parent().attr(QuicConnection.CONNECTION).get();
        if (init == null || conn == null || ch.type() != QuicStreamType.BIDIRECTIONAL) {
            ch.close();
            return;
        }
        conn.track(ch);
        ch.pipeline().addLast(init);
    }
}
