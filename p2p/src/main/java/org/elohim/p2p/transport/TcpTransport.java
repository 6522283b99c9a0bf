package org.elohim.p2p.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.Protocol;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** TCP on Netty: native epoll when the platform has it, NIO otherwise. IPv4 and IPv6. */
public final class TcpTransport implements Transport {

    public static final String NAME = "tcp";

    /** setsockopt(SOL_SOCKET, SO_REUSEPORT) on Linux: Netty's epoll client sockets lack a typed option for it. */
    private static final io.netty.channel.unix.IntegerUnixChannelOption SO_REUSEPORT =
            new io.netty.channel.unix.IntegerUnixChannelOption("SO_REUSEPORT", 1, 15);

    private final boolean epoll;
    private final List<Channel> servers = new CopyOnWriteArrayList<>();

    public TcpTransport() {
        this(Epoll.isAvailable());
    }

    public TcpTransport(boolean useEpoll) {
        this.epoll = useEpoll && Epoll.isAvailable();
    }

    public boolean isEpoll() {
        return epoll;
    }

    public EventLoopGroup newEventLoopGroup(int threads) {
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, factory);
    }

    public Class<? extends SocketChannel> socketChannelClass() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public Class<? extends ServerSocketChannel> serverChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
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

    /** Whether this transport can dial or listen on {@code addr}: {@code /ip4|ip6|dns*}/tcp/N[/p2p/id]. */
    public static boolean canHandle(Multiaddr addr) {
        var comps = addr.components();
        if (comps.size() < 2) {
            return false;
        }
        if (!isHost(comps.get(0).protocol()) || comps.get(1).protocol() != Protocol.TCP) {
            return false;
        }
        return comps.size() == 2 || (comps.size() == 3 && comps.get(2).protocol() == Protocol.P2P);
    }

    static boolean isHost(Protocol p) {
        return p == Protocol.IP4 || p == Protocol.IP6 || p == Protocol.DNS || p == Protocol.DNS4 || p == Protocol.DNS6;
    }

    @Override
    public CompletableFuture<Multiaddr> listen(EventLoopGroup group, Multiaddr addr, ConnectionSink sink) {
        return bindFor(group, addr, servers, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                sink.rawChannel(ch, Multiaddr.fromInetSocketAddress((InetSocketAddress) ch.remoteAddress()),
                        Multiaddr.fromInetSocketAddress((InetSocketAddress) ch.localAddress()));
            }
        });
    }

    /**
     * Binds a TCP server whose accepted channels {@code child} sets up, recorded in {@code into}; used by the
     * WebSocket transport too (with its own list, so that its ports are not taken for TCP hole punching).
     */
    public CompletableFuture<Multiaddr> bindFor(EventLoopGroup group, Multiaddr addr, List<Channel> into,
                                               ChannelInitializer<Channel> child) {
        CompletableFuture<Multiaddr> result = new CompletableFuture<>();
        ServerBootstrap b = new ServerBootstrap().group(group).channel(serverChannelClass());
        if (epoll) {
            // Lets hole-punching dials leave from the listen port (DCUtR's TCP simultaneous open).
            b.option(ChannelOption.SO_REUSEADDR, true).option(EpollChannelOption.SO_REUSEPORT, true);
        }
        b.childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(child);
        InetSocketAddress requested;
        try {
            requested = addr.withoutPeerId().toInetSocketAddress();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        b.bind(requested).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            into.add(f.channel());
            // Keep the requested address (a dual-stack socket reports 0.0.0.0 as ::), with the actual port.
            int port = ((InetSocketAddress) f.channel().localAddress()).getPort();
            result.complete(Multiaddr.fromInetSocketAddress(requested.isUnresolved()
                    ? (InetSocketAddress) f.channel().localAddress() : new InetSocketAddress(requested.getAddress(), port)));
        });
        return result;
    }

    @Override
    public CompletableFuture<Void> dial(EventLoopGroup group, Multiaddr addr, DialOptions options, ConnectionSink sink) {
        return connectFor(group, addr, options, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                // Not connected yet: the upgrader reads the socket's addresses once it is.
                sink.rawChannel(ch, null, null);
            }
        });
    }

    /** Opens a TCP connection set up by {@code handler}; completes when connected. */
    public CompletableFuture<Void> connectFor(EventLoopGroup group, Multiaddr addr, DialOptions options,
                                    ChannelInitializer<Channel> handler) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        InetSocketAddress target;
        try {
            target = addr.withoutPeerId().toInetSocketAddress();
            if (target.isUnresolved()) {
                target = new InetSocketAddress(target.getHostString(), target.getPort());
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Bootstrap b = new Bootstrap().group(group).channel(socketChannelClass());
        int localPort = options.fromListenPort() && epoll && target.getAddress() != null
                ? listenPort(target.getAddress() instanceof Inet4Address) : -1;
        if (localPort > 0) {
            b.option(ChannelOption.SO_REUSEADDR, true).option(SO_REUSEPORT, 1).localAddress(new InetSocketAddress(localPort));
        }
        b.option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.timeout().toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .handler(handler)
                .connect(target).addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        result.complete(null);
                    } else {
                        result.completeExceptionally(f.cause());
                    }
                });
        return result;
    }

    /** The port of our first listener of that address family, or -1. */
    public int listenPort(boolean v4) {
        for (Channel s : servers) {
            InetSocketAddress sa = (InetSocketAddress) s.localAddress();
            if (sa != null && s.isActive() && (sa.getAddress() instanceof Inet4Address) == v4) {
                return sa.getPort();
            }
        }
        // A dual-stack wildcard socket reports :: and serves both families.
        for (Channel s : servers) {
            InetSocketAddress sa = (InetSocketAddress) s.localAddress();
            if (sa != null && s.isActive() && sa.getAddress().isAnyLocalAddress()) {
                return sa.getPort();
            }
        }
        return -1;
    }

    @Override
    public void close() {
        for (Channel s : servers) {
            s.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        servers.clear();
    }
}
