package org.elohim.p2p.host;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.Uvarint;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;

/**
 * Reads one {@code uvarint(length) || message} from a stream (identify, identify push), bounded by
 * {@code maxBytes}; completes {@link #message()} and then reads on to the peer's FIN, discarding.
 */
public final class SingleMessageReader extends ChannelInboundHandlerAdapter {

    private final int maxBytes;
    private final CompletableFuture<byte[]> message = new CompletableFuture<>();
    private ByteBuf buffer;

    public SingleMessageReader(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    public CompletableFuture<byte[]> message() {
        return message;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (message.isDone()) {
                return;
            }
            if (buffer == null) {
                buffer = ctx.alloc().buffer();
            }
            if (buffer.readableBytes() + in.readableBytes() > maxBytes + Uvarint.MAX_BYTES) {
                throw new FrameTooLargeException(buffer.readableBytes() + in.readableBytes(), maxBytes);
            }
            buffer.writeBytes(in);
            tryDecode();
        } catch (RuntimeException e) {
            message.completeExceptionally(e);
            ctx.close();
        } finally {
            in.release();
        }
    }

    private void tryDecode() {
        int start = buffer.readerIndex();
        long length = Uvarint.tryRead(buffer, Uvarint.MAX_BYTES);
        if (length == Uvarint.NEED_MORE) {
            return;
        }
        if (length > maxBytes) {
            throw new FrameTooLargeException(length, maxBytes);
        }
        if (buffer.readableBytes() < length) {
            buffer.readerIndex(start);
            return;
        }
        byte[] body = new byte[(int) length];
        buffer.readBytes(body);
        message.complete(body);
        buffer.release();
        buffer = null;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            if (!message.isDone()) {
                message.completeExceptionally(new MalformedFrameException("stream ended before a complete message"));
            }
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        message.completeExceptionally(new ClosedChannelException());
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        message.completeExceptionally(cause);
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }
}
