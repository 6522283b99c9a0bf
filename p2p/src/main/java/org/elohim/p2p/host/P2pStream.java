package org.elohim.p2p.host;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.Channel;
import io.netty.buffer.Unpooled;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.yamux.YamuxStreamChannel;

import java.util.concurrent.CompletableFuture;

/**
 * A negotiated stream: the stream channel (yamux or QUIC) whose pipeline runs the protocol, the protocol agreed by
 * multistream-select, and the connection it belongs to.
 */
public record P2pStream(Channel channel, String protocol, P2pConnection connection) {

    public PeerId remotePeer() {
        return connection.remotePeer();
    }

    /** Half-close: FIN after the pending writes. */
    public ChannelFuture closeWrite() {
        return closeWrite(channel);
    }

    /** Half-closes a stream channel of any muxer (yamux FIN, QUIC stream FIN). */
    public static ChannelFuture closeWrite(Channel stream) {
        if (stream instanceof YamuxStreamChannel y) {
            return y.closeWrite();
        }
        if (stream instanceof QuicStreamChannel q) {
            // A FIN frame queued behind the data: shutdownOutput() would not wait for writes held by flow control.
            return q.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.EMPTY_BUFFER, true));
        }
        if (stream instanceof DuplexChannel d) {
            return d.shutdownOutput();
        }
        return stream.close();
    }

    /**
     * For streams from {@link P2pConnection#newStream(String...)}: adds the protocol's handlers, then delivers
     * what arrived meanwhile and resumes reading. Without held input it just adds the handlers.
     */
    public CompletableFuture<P2pStream> start(ChannelHandler... handlers) {
        CompletableFuture<P2pStream> done = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            try {
                channel.pipeline().addLast(handlers);
                HoldInbound hold = channel.pipeline().get(HoldInbound.class);
                if (hold != null) {
                    hold.replayAndRemove();
                    channel.config().setAutoRead(true);
                }
                done.complete(this);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                channel.close();
            }
        });
        return done;
    }
}
