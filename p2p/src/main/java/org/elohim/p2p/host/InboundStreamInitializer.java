package org.elohim.p2p.host;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import org.elohim.p2p.multistream.MultistreamListener;
import org.elohim.p2p.multistream.MultistreamNegotiated;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/** Streams the peer opens: multistream-select against the host's handlers, then the chosen handler. */
@ChannelHandler.Sharable
final class InboundStreamInitializer extends ChannelInitializer<Channel> {

    private static final Logger log = LoggerFactory.getLogger(InboundStreamInitializer.class);

    private final Host host;
    private final P2pConnection connection;

    InboundStreamInitializer(Host host, P2pConnection connection) {
        this.host = host;
        this.connection = connection;
    }

    @Override
    protected void initChannel(Channel ch) {
        try {
            var admitted = connection.admitStream(true);
            if (admitted != null) {
                ch.closeFuture().addListener(f -> admitted.close());
            }
        } catch (org.elohim.p2p.resource.ResourceLimitExceededException e) {
            log.debug("inbound stream from {} refused: {}", connection.remotePeer(), e.getMessage());
            ch.close();
            return;
        }
        ch.pipeline().addLast(new MultistreamListener(host::supports, host::protocols, Duration.ofSeconds(10),
                MultistreamListener.DEFAULT_MAX_ATTEMPTS));
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof MultistreamNegotiated n) {
                    ctx.pipeline().remove(this);
                    StreamHandler handler = host.handlerFor(n.protocol());
                    if (handler == null) {
                        ch.close();
                        return;
                    }
                    try {
                        handler.initStream(new P2pStream(ch, n.protocol(), connection));
                    } catch (RuntimeException e) {
                        log.warn("stream handler for {} failed: {}", n.protocol(), e.toString());
                        ch.close();
                    }
                } else {
                    ctx.fireUserEventTriggered(evt);
                }
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("inbound stream {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
