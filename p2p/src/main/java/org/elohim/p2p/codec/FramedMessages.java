package org.elohim.p2p.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.io.EOFException;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads {@code uvarint(length) || message} frames of a small request/response protocol (relay, DCUtR, AutoNAT)
 * and hands each body to a callback on the event loop. A frame above {@code maxBytes}, a bad varint, the peer's
 * FIN or the stream's close go to the failure callback once and close the stream. The callback may remove this
 * handler (a relay stream that becomes a raw connection): bytes after the current frame then flow on to the
 * next handler.
 */
public final class FramedMessages extends ByteToMessageDecoder {

    private final int maxBytes;
    private final Consumer<byte[]> onMessage;
    private final Consumer<Throwable> onFailure;
    private boolean failed;

    public FramedMessages(int maxBytes, Consumer<byte[]> onMessage, Consumer<Throwable> onFailure) {
        this.maxBytes = maxBytes;
        this.onMessage = onMessage;
        this.onFailure = onFailure;
    }

    /** Writes one length-prefixed message. */
    public static ChannelFuture write(Channel ch, byte[] body) {
        return ch.writeAndFlush(Unpooled.wrappedBuffer(Uvarint.encode(body.length), body));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!failed && in.isReadable() && !ctx.isRemoved()) {
            int start = in.readerIndex();
            long length;
            try {
                length = Uvarint.tryRead(in, Uvarint.MAX_BYTES);
                if (length > maxBytes) {
                    throw new FrameTooLargeException(length, maxBytes);
                }
            } catch (P2pProtocolException e) {
                in.skipBytes(in.readableBytes());
                fail(ctx, e);
                return;
            }
            if (length == Uvarint.NEED_MORE) {
                return;
            }
            if (in.readableBytes() < length) {
                in.readerIndex(start);
                return;
            }
            byte[] body = new byte[(int) length];
            in.readBytes(body);
            try {
                onMessage.accept(body);
            } catch (RuntimeException e) {
                fail(ctx, e);
                return;
            }
        }
        if (failed) {
            in.skipBytes(in.readableBytes());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            fail(ctx, new EOFException("stream ended before the exchange finished"));
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!failed) {
            failed = true;
            onFailure.accept(new ClosedChannelException());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }

    private void fail(ChannelHandlerContext ctx, Throwable e) {
        if (failed) {
            return;
        }
        failed = true;
        onFailure.accept(e);
        ctx.close();
    }
}
