package org.elohim.p2p.ping;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.host.P2pStream;
import org.elohim.p2p.host.StreamHandler;


import java.nio.channels.ClosedChannelException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** ping ({@code /ipfs/ping/1.0.0}): the dialer sends 32 random bytes, the listener echoes them; repeatable on one stream. */
public final class PingService {

    public static final String PROTOCOL = "/ipfs/ping/1.0.0";
    public static final int PAYLOAD_LENGTH = 32;

    private static final SecureRandom RANDOM = new SecureRandom();

    private PingService() {
    }

    /** Echoes whatever arrives in 32-byte pings until the dialer finishes, then finishes too. */
    public static StreamHandler responder() {
        return stream -> stream.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.write(msg);
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    ctx.flush();
                    P2pStream.closeWrite(ctx.channel()).addListener(f -> ctx.close());
                }
            }
        });
    }

    /** Sends {@code count} pings one after another on the stream; completes with their round-trip times. */
    public static CompletableFuture<List<Duration>> ping(P2pStream stream, int count) {
        PingClient client = new PingClient(count);
        stream.channel().pipeline().addLast(client);
        return client.result;
    }

    private static final class PingClient extends ChannelInboundHandlerAdapter {
        final CompletableFuture<List<Duration>> result = new CompletableFuture<>();
        final List<Duration> rtts = new ArrayList<>();
        final int count;
        byte[] sent;
        long sentAt;
        ByteBuf received;

        PingClient(int count) {
            this.count = count;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            received = ctx.alloc().buffer(PAYLOAD_LENGTH);
            if (ctx.channel().isActive()) {
                sendPing(ctx);
            }
        }

        private void sendPing(ChannelHandlerContext ctx) {
            sent = new byte[PAYLOAD_LENGTH];
            RANDOM.nextBytes(sent);
            sentAt = System.nanoTime();
            ctx.writeAndFlush(Unpooled.wrappedBuffer(sent));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                while (in.isReadable() && !result.isDone()) {
                    int n = Math.min(in.readableBytes(), PAYLOAD_LENGTH - received.readableBytes());
                    received.writeBytes(in, n);
                    if (received.readableBytes() == PAYLOAD_LENGTH) {
                        long rtt = System.nanoTime() - sentAt;
                        if (!ByteBufUtil.equals(received, Unpooled.wrappedBuffer(sent))) {
                            throw new MalformedFrameException("ping echo differs from what was sent");
                        }
                        received.clear();
                        rtts.add(Duration.ofNanos(rtt));
                        if (rtts.size() == count) {
                            result.complete(List.copyOf(rtts));
                            P2pStream.closeWrite(ctx.channel());
                        } else {
                            sendPing(ctx);
                        }
                    }
                }
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                ctx.close();
            } finally {
                in.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                result.completeExceptionally(new ClosedChannelException());
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new ClosedChannelException());
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            received.release();
        }
    }
}
