package org.elohim.p2p.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
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

/** TCP on Netty: native epoll when the platform has it, NIO otherwise. IPv4 and IPv6. */
public final class TcpTransport {

    private final boolean epoll;

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

    /** Whether this transport can dial or listen on {@code addr}: {@code /ip4|ip6|dns*}/tcp/N[/p2p/id]. */
    public static boolean canHandle(Multiaddr addr) {
        var comps = addr.components();
        if (comps.size() < 2) {
            return false;
        }
        Protocol host = comps.get(0).protocol();
        boolean hostOk = host == Protocol.IP4 || host == Protocol.IP6 || host == Protocol.DNS
                || host == Protocol.DNS4 || host == Protocol.DNS6;
        if (!hostOk || comps.get(1).protocol() != Protocol.TCP) {
            return false;
        }
        return comps.size() == 2 || (comps.size() == 3 && comps.get(2).protocol() == Protocol.P2P);
    }
}
