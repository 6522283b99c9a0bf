package org.elohim.p2p.host;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.elohim.p2p.yamux.YamuxStreamChannel;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/** {@code /elohim/echo/1.0.0} used by the interop tests: the server echoes, the client checks the echo. */
public final class Echo {
    public static final String PROTOCOL = "/elohim/echo/1.0.0";

    private Echo() {
    }

    /** Same bytes as peer.mjs's payload(n, seed). */
    public static byte[] payload(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        }
        return b;
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static StreamHandler server() {
        return s -> s.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
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

    /** Client: send payload, FIN, collect the echo until the peer's FIN; completes with the echo's SHA-256. */
    public static final class Client extends ChannelInboundHandlerAdapter {
        public final CompletableFuture<String> digest = new CompletableFuture<>();
        private final byte[] payload;
        private final MessageDigest md;
        long received;

        public Client(byte[] payload) {
            this.payload = payload;
            try {
                this.md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        public static StreamHandler handler(Client c) {
            return s -> s.channel().pipeline().addLast(c);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(payload));
            P2pStream.closeWrite(ctx.channel());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            received += b.readableBytes();
            md.update(b.nioBuffer());
            b.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                digest.complete(HexFormat.of().formatHex(md.digest()));
                ctx.close();
            } else if (evt instanceof YamuxStreamChannel.StreamResetEvent) {
                digest.completeExceptionally(new IllegalStateException("stream reset after " + received + " bytes"));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            digest.completeExceptionally(new IllegalStateException("stream closed after " + received + " bytes"));
        }
    }
}
