package org.elohim.p2p.noise;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multistream.MultistreamDialer;
import org.elohim.p2p.multistream.MultistreamListener;
import org.elohim.p2p.peer.IdentityKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Java to Java over two real loopback sockets: multistream-select for {@code /noise}, the Noise handshake with
 * identity verification, then an echo of a payload large enough to span many Noise frames.
 */
@Timeout(30)
class MultistreamNoiseTcpLoopbackTest {
    private EventLoopGroup group;
    private Channel server;

    @BeforeEach
    void start() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close().sync();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Echoes every decrypted buffer back through the Noise handler. */
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    @Test
    void mssThenNoiseThenEchoOverRealSockets() throws Exception {
        IdentityKey serverKey = IdentityKey.generate();
        IdentityKey clientKey = IdentityKey.generate();
        CompletableFuture<SecureSessionEstablished> serverSession = new CompletableFuture<>();

        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        MultistreamListener mss = new MultistreamListener(Set.of(Libp2pNoiseHandshake.PROTOCOL_ID));
                        ch.pipeline().addLast(mss);
                        mss.protocol().thenAccept(p -> {
                            NoiseSecureChannelHandler noise = new NoiseSecureChannelHandler(Role.RESPONDER, serverKey,
                                    Optional.empty(), List.of("/yamux/1.0.0"));
                            ch.pipeline().addLast(noise, new Echo());
                            noise.session().whenComplete((s, e) -> {
                                if (e != null) {
                                    serverSession.completeExceptionally(e);
                                } else {
                                    serverSession.complete(s);
                                }
                            });
                        });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        Multiaddr listenAddr = Multiaddr.fromInetSocketAddress((InetSocketAddress) server.localAddress())
                .withPeerId(serverKey.peerId());

        int total = Integer.getInteger("loopback.mib", 8) << 20;
        byte[] payload = new byte[total];
        new SplittableRandom(7).nextBytes(payload);
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        CompletableFuture<Void> allEchoed = new CompletableFuture<>();
        CompletableFuture<SecureSessionEstablished> clientSession = new CompletableFuture<>();
        long[] count = {0};

        Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        MultistreamDialer mss = new MultistreamDialer(List.of(Libp2pNoiseHandshake.PROTOCOL_ID));
                        ch.pipeline().addLast(mss);
                        mss.protocol().thenAccept(p -> {
                            NoiseSecureChannelHandler noise = new NoiseSecureChannelHandler(Role.INITIATOR, clientKey,
                                    listenAddr.peerId(), List.of("/yamux/1.0.0"));
                            ch.pipeline().addLast(noise, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ByteBuf b = (ByteBuf) msg;
                                    count[0] += b.readableBytes();
                                    received.update(b.nioBuffer());
                                    b.release();
                                    if (count[0] >= total) {
                                        allEchoed.complete(null);
                                    }
                                }
                            });
                            noise.session().whenComplete((s, e) -> {
                                if (e != null) {
                                    clientSession.completeExceptionally(e);
                                } else {
                                    clientSession.complete(s);
                                }
                            });
                        });
                    }
                }).connect(listenAddr.toInetSocketAddress()).sync().channel();

        SecureSessionEstablished atClient = clientSession.get(10, TimeUnit.SECONDS);
        SecureSessionEstablished atServer = serverSession.get(10, TimeUnit.SECONDS);
        assertThat(atClient.remotePeer()).isEqualTo(serverKey.peerId());
        assertThat(atServer.remotePeer()).isEqualTo(clientKey.peerId());
        assertThat(atClient.inlinedMuxer()).contains("/yamux/1.0.0");

        long t0 = System.nanoTime();
        int chunk = 256 * 1024;
        for (int off = 0; off < total; off += chunk) {
            client.write(Unpooled.wrappedBuffer(payload, off, Math.min(chunk, total - off)));
        }
        client.flush();
        allEchoed.get(20, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(count[0]).isEqualTo(total);
        assertThat(received.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(payload));
        // Measured, not asserted: encrypt+decrypt on both sides of an echo over loopback.
        System.out.printf("noise echo over loopback: %d MiB round trip in %.3f s = %.1f MiB/s each way (java %s)%n",
                total >> 20, seconds, (total >> 20) / seconds, System.getProperty("java.version"));
        client.close().sync();
    }
}
