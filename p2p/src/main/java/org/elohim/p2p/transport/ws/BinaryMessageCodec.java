package org.elohim.p2p.transport.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.elohim.p2p.codec.MalformedFrameException;

import java.util.List;

/**
 * The libp2p byte stream over WebSocket: each binary message (and continuation) is a slice of the stream,
 * each write becomes one binary message. A text message is not libp2p: a typed error closes the connection.
 * Control frames (ping, pong, close) are answered by Netty's protocol handler before this one.
 */
final class BinaryMessageCodec extends MessageToMessageCodec<WebSocketFrame, ByteBuf> {

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        out.add(new BinaryWebSocketFrame(msg.retain()));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
            out.add(frame.content().retain());
        } else {
            throw new MalformedFrameException("WebSocket " + frame.getClass().getSimpleName() + " on a libp2p connection");
        }
    }
}
