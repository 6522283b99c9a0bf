package org.elohim.node.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers pings, completes the close handshake, and closes on oversized or corrupt frames. */
final class WebSocketControlHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(WebSocketControlHandler.class);
    private final WebSocketServerHandshaker handshaker;

    WebSocketControlHandler(WebSocketServerHandshaker handshaker) {
        this.handshaker = handshaker;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
        } else if (msg instanceof PongWebSocketFrame pong) {
            pong.release();
        } else if (msg instanceof CloseWebSocketFrame close) {
            handshaker.close(ctx.channel(), close);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            closeWith(ctx, WebSocketCloseStatus.MESSAGE_TOO_BIG);
        } else if (cause instanceof CorruptedFrameException) {
            closeWith(ctx, WebSocketCloseStatus.PROTOCOL_ERROR);
        } else {
            // let the session see its own failures first; it may close on its own terms
            ctx.fireExceptionCaught(cause);
        }
    }

    private void closeWith(ChannelHandlerContext ctx, WebSocketCloseStatus status) {
        log.debug("closing WebSocket {}: {}", ctx.channel().remoteAddress(), status);
        if (ctx.channel().isActive()) {
            handshaker.close(ctx.channel(), new CloseWebSocketFrame(status));
        }
    }
}
