package org.elohim.p2p.transport.ws;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import org.elohim.p2p.multiaddr.Component;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.Protocol;
import org.elohim.p2p.transport.ConnectionSink;
import org.elohim.p2p.transport.DialOptions;
import org.elohim.p2p.transport.TcpTransport;
import org.elohim.p2p.transport.Transport;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * WebSocket ({@code /ip4|ip6|dns*}/tcp/N/ws), as js-libp2p's {@code @libp2p/websockets}: an HTTP/1.1 upgrade on
 * path {@code /}, then binary messages carrying the raw libp2p byte stream (multistream-select, Noise, yamux),
 * message boundaries meaningless. No extensions (permessage-deflate offers are declined).
 */
public final class WebSocketTransport implements Transport {

    public static final String NAME = "ws";
    /** Largest WebSocket message accepted; js sends one message per write (a few Noise frames at most). */
    public static final int MAX_MESSAGE = 2 * 1024 * 1024;
    private static final int MAX_HTTP = 8 * 1024;

    private final TcpTransport tcp;
    private final List<Channel> servers = new CopyOnWriteArrayList<>();

    public WebSocketTransport(TcpTransport tcp) {
        this.tcp = tcp;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean canDial(Multiaddr addr) {
        return canHandle(addr);
    }

    @Override
    public boolean canListen(Multiaddr addr) {
        return canHandle(addr);
    }

    /** {@code /ip4|ip6|dns*}/tcp/N/ws[/p2p/id]. */
    public static boolean canHandle(Multiaddr addr) {
        var c = addr.components();
        if (c.size() < 3 || c.size() > 4 || c.get(2).protocol() != Protocol.WS) {
            return false;
        }
        Protocol host = c.get(0).protocol();
        boolean hostOk = host == Protocol.IP4 || host == Protocol.IP6 || host == Protocol.DNS
                || host == Protocol.DNS4 || host == Protocol.DNS6;
        return hostOk && c.get(1).protocol() == Protocol.TCP && (c.size() == 3 || c.get(3).protocol() == Protocol.P2P);
    }

    private static Multiaddr tcpPart(Multiaddr addr) {
        return Multiaddr.of(addr.components().subList(0, 2));
    }

    static Multiaddr toMultiaddr(InetSocketAddress a) {
        return Multiaddr.fromInetSocketAddress(a).encapsulate(Component.of(Protocol.WS));
    }

    @Override
    public CompletableFuture<Multiaddr> listen(EventLoopGroup group, Multiaddr addr, ConnectionSink sink) {
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/").checkStartsWith(true).allowExtensions(false)
                .maxFramePayloadLength(MAX_MESSAGE).handshakeTimeoutMillis(10_000).build();
        return tcp.bindFor(group, tcpPart(addr), servers, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_HTTP),
                        new WebSocketServerProtocolHandler(config), new BinaryMessageCodec(),
                        new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                                    ctx.pipeline().remove(this);
                                    sink.rawChannel(ch, toMultiaddr((InetSocketAddress) ch.remoteAddress()),
                                            toMultiaddr((InetSocketAddress) ch.localAddress()));
                                } else {
                                    ctx.fireUserEventTriggered(evt);
                                }
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                // Before the upgrade, anything that reaches here is not a WebSocket handshake.
                                ReferenceCountUtil.release(msg);
                                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST))
                                        .addListener(ChannelFutureListener.CLOSE);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
            }
        }).thenApply(bound -> bound.encapsulate(Component.of(Protocol.WS)));
    }

    @Override
    public CompletableFuture<Void> dial(EventLoopGroup group, Multiaddr addr, DialOptions options, ConnectionSink sink) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        InetSocketAddress target;
        try {
            target = tcpPart(addr).toInetSocketAddress();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        String host = target.getAddress() instanceof java.net.Inet6Address
                ? "[" + target.getAddress().getHostAddress() + "]" : target.getHostString();
        URI uri = URI.create("ws://" + host + ":" + target.getPort() + "/");
        WebSocketClientProtocolHandler ws = new WebSocketClientProtocolHandler(
                WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13, null, false,
                        new DefaultHttpHeaders(), MAX_MESSAGE),
                true, false, options.timeout().toMillis());
        tcp.connectFor(group, tcpPart(addr), options, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_HTTP), ws,
                        new BinaryMessageCodec(), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                                    ctx.pipeline().remove(this);
                                    sink.rawChannel(ch, toMultiaddr((InetSocketAddress) ch.remoteAddress()),
                                            toMultiaddr((InetSocketAddress) ch.localAddress()));
                                    result.complete(null);
                                } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                                    result.completeExceptionally(new TimeoutException("WebSocket handshake with " + uri + " timed out"));
                                    ctx.close();
                                } else {
                                    ctx.fireUserEventTriggered(evt);
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                result.completeExceptionally(new ClosedChannelException());
                                ctx.fireChannelInactive();
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                result.completeExceptionally(cause);
                                ctx.close();
                            }
                        });
            }
        }).whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    @Override
    public void close() {
        for (Channel s : servers) {
            s.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        servers.clear();
    }
}
