package org.elohim.node.runtime;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/** The node's one pair of Netty event-loop groups (DESIGN §2), shared by HTTP/WS and gRPC. Epoll on Linux. */
public final class NettyResources implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Class<? extends ServerChannel> serverChannel;

    public boolean isEpoll() {
        return serverChannel == EpollServerSocketChannel.class;
    }

    private NettyResources(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> serverChannel) {
        this.boss = boss;
        this.workers = workers;
        this.serverChannel = serverChannel;
    }

    public static NettyResources create(int workerThreads) {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory f = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("net-accept", true), f);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(workerThreads, new DefaultThreadFactory("net-io", true), f);
        return new NettyResources(boss, workers, epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class);
    }

    public EventLoopGroup boss() {
        return boss;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    @Override
    public void close() {
        // quiet period 0: the servers are already closed; nothing more will be submitted
        boss.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        boss.terminationFuture().awaitUninterruptibly(6, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(6, TimeUnit.SECONDS);
    }
}
