package org.elohim.node.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP server (Netty): JSON management routes, /metrics, and the WebSocket endpoints
 * mounted on it. Routes run on a small bounded pool (they read SQLite); when it is full the
 * server answers 503 instead of queueing without bound.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    static final int MAX_INITIAL_LINE = 8192;
    static final int MAX_HEADER_BYTES = 16384;
    /** HTTP connections idle this long are closed (WebSocket sessions are exempt). */
    static final int IDLE_SECONDS = 120;

    private final Channel channel;
    private final ChannelGroup connections;
    private final ThreadPoolExecutor workers;

    private HttpServer(Channel channel, ChannelGroup connections, ThreadPoolExecutor workers) {
        this.channel = channel;
        this.connections = connections;
        this.workers = workers;
    }

    /**
     * Binds and starts serving. {@code port} 0 picks a free port (see {@link #port()}).
     * The event loop groups are shared with the rest of the node and are not closed here.
     */
    public static HttpServer start(String bindAddress, int port, int maxRequestBytes, EventLoopGroup boss,
                                   EventLoopGroup workerGroup, Class<? extends ServerChannel> channelType,
                                   List<Route> routes, List<WebSocketEndpoint> webSockets,
                                   RequesterResolver requesters) throws InterruptedException {
        return start(bindAddress, port, maxRequestBytes, boss, workerGroup, channelType, routes, webSockets, requesters, null);
    }

    /**
     * {@code streaming}: a handler per connection placed before the aggregator, for requests whose
     * bodies must not be gathered in memory (blob transfers); it passes on every request it does not take.
     */
    public static HttpServer start(String bindAddress, int port, int maxRequestBytes, EventLoopGroup boss,
                                   EventLoopGroup workerGroup, Class<? extends ServerChannel> channelType,
                                   List<Route> routes, List<WebSocketEndpoint> webSockets,
                                   RequesterResolver requesters,
                                   java.util.function.Supplier<io.netty.channel.ChannelHandler> streaming)
            throws InterruptedException {
        Router router = new Router(routes);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 8, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(512), r -> {
            Thread t = new Thread(r, "http-route-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        List<WebSocketEndpoint> endpoints = List.copyOf(webSockets);
        ChannelGroup connections = new DefaultChannelGroup("http", GlobalEventExecutor.INSTANCE);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workerGroup)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 256)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch); // removed by the group when it closes
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS))
                                .addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192));
                        if (streaming != null) ch.pipeline().addLast("streaming", streaming.get());
                        ch.pipeline().addLast("aggregator", new JsonHttpObjectAggregator(maxRequestBytes))
                                .addLast("requests", new HttpRequestHandler(router, endpoints, requesters, pool));
                    }
                });
        try {
            Channel ch = b.bind(new InetSocketAddress(bindAddress, port)).sync().channel();
            log.info("HTTP listening on {}", ch.localAddress());
            return new HttpServer(ch, connections, pool);
        } catch (Exception e) { // bind failures arrive as (undeclared) IOExceptions from sync()
            pool.shutdownNow();
            if (e instanceof InterruptedException ie) throw ie;
            throw new UncheckedIOException("cannot listen for HTTP on " + bindAddress + ":" + port + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e.getMessage(), e));
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Stops accepting, closes open connections (WebSocket sessions included), stops the route pool. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) workers.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
    }
}
