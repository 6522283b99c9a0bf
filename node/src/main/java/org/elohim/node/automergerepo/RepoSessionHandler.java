package org.elohim.node.automergerepo;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.elohim.node.reach.Requester;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty side of one automerge-repo WebSocket: binary frames in (decoded here, on the event
 * loop), messages out, keep-alive pings. Protocol decisions are the hub's.
 */
final class RepoSessionHandler extends ChannelInboundHandlerAdapter implements PeerLink {
    private static final Logger log = LoggerFactory.getLogger(RepoSessionHandler.class);
    /** A peer that does not read what it is sent is dropped rather than buffered without bound. */
    static final long MAX_PENDING_OUTBOUND_BYTES = 64L * 1024 * 1024;

    private final RepoHub hub;
    private final RepoMessageCodec codec;
    private final Requester requester;
    private final long keepAliveMillis;
    private final KeepAlive keepAlive = new KeepAlive();
    private volatile Channel channel;
    private RepoConnection connection;
    private ScheduledFuture<?> pinger;

    RepoSessionHandler(RepoHub hub, RepoMessageCodec codec, Requester requester, long keepAliveMillis) {
        this.hub = hub;
        this.codec = codec;
        this.requester = requester;
        this.keepAliveMillis = keepAliveMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        connection = hub.connect(requester, this);
        // Pongs are consumed before they reach a session, so liveness is "any bytes came in".
        ctx.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext c, Object msg) {
                keepAlive.heard();
                c.fireChannelRead(msg);
            }
        });
        pinger = ctx.executor().scheduleAtFixedRate(this::tick, keepAliveMillis, keepAliveMillis, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) return;
        if (keepAlive.tick() == KeepAlive.Action.DROP) {
            log.debug("automerge-repo peer {} stopped answering pings", ch.remoteAddress());
            ch.close();
        } else {
            ch.writeAndFlush(new PingWebSocketFrame());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof BinaryWebSocketFrame frame) {
                byte[] bytes = ByteBufUtil.getBytes(frame.content());
                try {
                    hub.receive(connection, codec.decode(bytes));
                } catch (RepoProtocolException e) {
                    hub.receiveInvalid(connection, e);
                }
            } else if (msg instanceof WebSocketFrame) {
                hub.receiveInvalid(connection, new RepoProtocolException(RepoProtocolException.Reason.INVALID_MESSAGE,
                        "automerge-repo frames are binary"));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void stop() {
        if (pinger != null) pinger.cancel(false);
        if (connection != null) hub.disconnected(connection);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("automerge-repo session {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    @Override
    public void send(RepoMessage message) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) return;
        if (!ch.isWritable() && ch.bytesBeforeWritable() > MAX_PENDING_OUTBOUND_BYTES) {
            log.info("automerge-repo peer {} is not reading; dropping it", ch.remoteAddress());
            ch.close();
            return;
        }
        ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(codec.encode(message))));
    }

    @Override
    public void close(int code, String reason) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) return;
        String r = reason.length() > 120 ? reason.substring(0, 120) : reason;
        ch.writeAndFlush(new CloseWebSocketFrame(code, r)).addListener(ChannelFutureListener.CLOSE);
    }
}
