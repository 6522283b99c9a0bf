package org.elohim.p2p.perf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.host.P2pStream;
import org.elohim.p2p.host.StreamHandler;


import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;

/**
 * perf ({@code /perf/1.0.0}): the client sends u64 BE bytes-to-download, uploads its bytes and half-closes;
 * the server drains the upload, then sends the requested bytes and finishes.
 */
public final class PerfService {

    public static final String PROTOCOL = "/perf/1.0.0";
    private static final int BLOCK = 64 * 1024;
    private static final ByteBuf ZEROS = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[BLOCK]).asReadOnly());

    /** Outcome of one perf run, as the client saw it. */
    public record Result(long uploaded, long downloaded, long uploadNanos, long totalNanos) {
        public double uploadBitsPerSecond() {
            return uploaded * 8e9 / Math.max(1, uploadNanos);
        }

        public double downloadBitsPerSecond() {
            return downloaded * 8e9 / Math.max(1, totalNanos - uploadNanos);
        }
    }

    private PerfService() {
    }

    public static StreamHandler server() {
        return stream -> stream.channel().pipeline().addLast(new Server());
    }

    public static CompletableFuture<Result> run(P2pStream stream, long upload, long download) {
        Client c = new Client(upload, download);
        stream.channel().pipeline().addLast(c);
        return c.result;
    }

    /** Writes {@code remaining} zero bytes as fast as the stream's window and buffers allow. */
    private abstract static class Sender extends ChannelInboundHandlerAdapter {
        long remaining;
        boolean sending;

        void startSending(ChannelHandlerContext ctx, long n) {
            remaining = n;
            sending = true;
            pump(ctx);
        }

        void pump(ChannelHandlerContext ctx) {
            if (!sending) {
                return;
            }
            while (remaining > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(BLOCK, remaining);
                remaining -= n;
                ctx.write(ZEROS.duplicate().writerIndex(n));
            }
            ctx.flush();
            if (remaining == 0) {
                sending = false;
                doneSending(ctx);
            }
        }

        abstract void doneSending(ChannelHandlerContext ctx);

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pump(ctx);
            ctx.fireChannelWritabilityChanged();
        }
    }

    private static final class Server extends Sender {
        final ByteBuf header = Unpooled.buffer(8);

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            if (header.isWritable()) {
                in.readBytes(header, Math.min(header.writableBytes(), in.readableBytes()));
            }
            in.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                if (header.isWritable()) {
                    ctx.close();
                    return;
                }
                long n = header.getLong(0);
                if (n < 0) {
                    throw new MalformedFrameException("perf download size out of range");
                }
                startSending(ctx, n);
            }
        }

        @Override
        void doneSending(ChannelHandlerContext ctx) {
            P2pStream.closeWrite(ctx.channel()).addListener(f -> ctx.close());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static final class Client extends Sender {
        final CompletableFuture<Result> result = new CompletableFuture<>();
        final long upload;
        final long download;
        long start;
        long uploadedAt;
        long received;

        Client(long upload, long download) {
            this.upload = upload;
            this.download = download;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            start = System.nanoTime();
            ctx.write(Unpooled.buffer(8).writeLong(download));
            startSending(ctx, upload);
        }

        @Override
        void doneSending(ChannelHandlerContext ctx) {
            P2pStream.closeWrite(ctx.channel()).addListener(f -> uploadedAt = System.nanoTime());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            received += in.readableBytes();
            in.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                long end = System.nanoTime();
                if (received != download) {
                    result.completeExceptionally(new MalformedFrameException(
                            "perf server sent " + received + " bytes, asked " + download));
                } else {
                    long up = uploadedAt == 0 ? end : uploadedAt;
                    result.complete(new Result(upload, received, up - start, end - start));
                }
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new ClosedChannelException());
        }
    }
}
