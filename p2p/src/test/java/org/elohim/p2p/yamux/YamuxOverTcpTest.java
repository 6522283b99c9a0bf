package org.elohim.p2p.yamux;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Two yamux sessions over a real loopback TCP connection (no encryption): streams, flow control, half-close. */
class YamuxOverTcpTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    @AfterEach
    void stop() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    static ChannelInitializer<Channel> echoInitializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Echo());
            }
        };
    }

    /** Echoes everything, then finishes its side when the peer finished. */
    static final class Echo extends ChannelInboundHandlerAdapter {
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
                ((YamuxStreamChannel) ctx.channel()).closeWrite().addListener(f -> ctx.close());
            }
        }
    }

    /** Sends a payload, half-closes, and collects the echo until the peer's FIN. */
    static final class Collect extends ChannelInboundHandlerAdapter {
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        final MessageDigest digest;
        final byte[] payload;
        long received;

        Collect(byte[] payload) throws Exception {
            this.payload = payload;
            this.digest = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(payload));
            ((YamuxStreamChannel) ctx.channel()).closeWrite();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            received += b.readableBytes();
            digest.update(b.nioBuffer());
            b.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                result.complete(digest.digest());
                ctx.close();
            } else if (evt instanceof YamuxStreamChannel.StreamResetEvent) {
                result.completeExceptionally(new IllegalStateException("reset"));
            }
        }
    }

    @Test
    void manyConcurrentStreamsEchoIntactWithWindowsBeyondTheInitialOne() throws Exception {
        List<YamuxMuxerHandler> serverMuxers = new ArrayList<>();
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        YamuxMuxerHandler m = new YamuxMuxerHandler(false, YamuxConfig.defaults(), echoInitializer());
                        serverMuxers.add(m);
                        ch.pipeline().addLast(m);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        YamuxMuxerHandler client = new YamuxMuxerHandler(true, YamuxConfig.defaults(), echoInitializer());
        Channel conn = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(client)
                .connect(server.localAddress()).sync().channel();

        SplittableRandom random = new SplittableRandom(42);
        List<Collect> collectors = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            byte[] payload = new byte[i == 0 ? 10 * 1024 * 1024 : 1 + random.nextInt(600_000)];
            random.nextBytes(payload);
            Collect c = new Collect(payload);
            collectors.add(c);
            expected.add(MessageDigest.getInstance("SHA-256").digest(payload));
            client.openStream(c);
        }
        for (int i = 0; i < collectors.size(); i++) {
            assertThat(collectors.get(i).result.get(30, TimeUnit.SECONDS)).isEqualTo(expected.get(i));
        }
        org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS)
                .until(() -> client.session().streamCount() == 0 && client.streamCount() == 0);
        conn.close().sync();
        server.close().sync();
    }

    @Test
    void aReaderThatDoesNotReadStopsTheWriterAtTheWindow() throws Exception {
        java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        CompletableFuture<Channel> inbound = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new YamuxMuxerHandler(false, YamuxConfig.defaults(), new ChannelInitializer<>() {
                            @Override
                            protected void initChannel(Channel stream) {
                                stream.config().setAutoRead(false);
                                stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        received.addAndGet(((ByteBuf) msg).readableBytes());
                                        ((ByteBuf) msg).release();
                                    }
                                });
                                inbound.complete(stream);
                            }
                        }));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        YamuxMuxerHandler client = new YamuxMuxerHandler(true, YamuxConfig.defaults(), echoInitializer());
        Channel conn = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(client)
                .connect(server.localAddress()).sync().channel();
        YamuxStreamChannel stream = client.openStream(new ChannelInboundHandlerAdapter()).get(5, TimeUnit.SECONDS);
        var written = stream.writeAndFlush(Unpooled.wrappedBuffer(new byte[2 * 1024 * 1024]));
        Channel reader = inbound.get(5, TimeUnit.SECONDS);
        Thread.sleep(300);
        assertThat(written.isDone()).isFalse();
        assertThat(stream.isWritable()).isFalse();
        assertThat(received.get()).isZero();
        reader.config().setAutoRead(true);
        written.get(10, TimeUnit.SECONDS);
        org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> received.get() == 2 * 1024 * 1024);
        conn.close().sync();
        server.close().sync();
    }
}
