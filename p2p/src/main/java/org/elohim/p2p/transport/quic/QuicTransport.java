package org.elohim.p2p.transport.quic;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ClientAuth;
import org.elohim.p2p.multiaddr.Component;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.Protocol;
import org.elohim.p2p.noise.PeerIdMismatchException;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.transport.ConnectionSink;
import org.elohim.p2p.transport.DialOptions;
import org.elohim.p2p.transport.TcpTransport;
import org.elohim.p2p.transport.Transport;
import org.elohim.p2p.transport.tls.CertificateFormatException;
import org.elohim.p2p.transport.tls.Libp2pCertificate;
import org.elohim.p2p.transport.tls.Libp2pTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * QUIC ({@code /ip4|ip6/../udp/N/quic-v1}) on Netty's native QUIC codec with libp2p TLS (ALPN {@code libp2p},
 * a certificate carrying the host identity, custom verification). Each QUIC stream is a libp2p stream
 * (multistream-select per stream); no Noise, no yamux. Dials can leave from the listening UDP port
 * (SO_REUSEPORT) so that NATs map them like the listener, for hole punching.
 */
public final class QuicTransport implements Transport {

    public static final String NAME = "quic";
    public static final String ALPN = "libp2p";
    private static final Logger log = LoggerFactory.getLogger(QuicTransport.class);

    private final QuicConfig config;
    private final boolean epoll;
    private final Libp2pCertificate.Credentials credentials;
    private final QuicSslContext serverSsl;
    private final QuicSslContext clientSsl;
    private final List<Channel> servers = new CopyOnWriteArrayList<>();
    private final Object clientLock = new Object();
    private final Channel[] clients = new Channel[2];

    public QuicTransport(IdentityKey identity, QuicConfig config, boolean epoll) {
        Quic.ensureAvailability();
        this.config = config;
        this.epoll = epoll;
        this.credentials = Libp2pCertificate.generate(identity);
        this.serverSsl = QuicSslContextBuilder.forServer(credentials.privateKey(), null, credentials.certificate())
                .applicationProtocols(ALPN).clientAuth(ClientAuth.REQUIRE).trustManager(Libp2pTrustManager.INSTANCE)
                .build();
        this.clientSsl = QuicSslContextBuilder.forClient()
                .keyManager(credentials.privateKey(), null, credentials.certificate())
                .applicationProtocols(ALPN).trustManager(Libp2pTrustManager.INSTANCE).build();
    }

    /**
     * Adds QUIC to {@code host} (created, with its certificate and native library, on the first QUIC listen or
     * dial); returns the host. {@code Host.create} does this with the defaults.
     */
    public static org.elohim.p2p.host.Host addTo(org.elohim.p2p.host.Host host, QuicConfig config) {
        boolean epoll = host.transport(org.elohim.p2p.transport.TcpTransport.class).map(TcpTransport::isEpoll).orElse(false);
        host.addTransport(new org.elohim.p2p.transport.LazyTransport(NAME, QuicTransport::canHandle,
                () -> new QuicTransport(host.config().identity(), config, epoll)));
        return host;
    }

    /** Whether the native QUIC library loads on this platform. */
    public static boolean isAvailable() {
        return Quic.isAvailable();
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

    /** {@code /ip4|ip6|dns*}/udp/N/quic-v1[/p2p/id]. */
    public static boolean canHandle(Multiaddr addr) {
        var c = addr.components();
        if (c.size() < 3 || c.size() > 4) {
            return false;
        }
        Protocol host = c.get(0).protocol();
        boolean hostOk = host == Protocol.IP4 || host == Protocol.IP6 || host == Protocol.DNS
                || host == Protocol.DNS4 || host == Protocol.DNS6;
        return hostOk && c.get(1).protocol() == Protocol.UDP && c.get(2).protocol() == Protocol.QUIC_V1
                && (c.size() == 3 || c.get(3).protocol() == Protocol.P2P);
    }

    static Multiaddr toMultiaddr(InetSocketAddress a) {
        return Multiaddr.fromInetSocketAddress(a, Protocol.UDP).encapsulate(Component.of(Protocol.QUIC_V1));
    }

    private Class<? extends DatagramChannel> datagramClass() {
        return epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    private <B extends io.netty.handler.codec.quic.QuicCodecBuilder<B>> B tune(B b) {
        return b.maxIdleTimeout(config.maxIdleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(config.maxConnectionWindow())
                .initialMaxStreamDataBidirectionalLocal(config.maxStreamWindow())
                .initialMaxStreamDataBidirectionalRemote(config.maxStreamWindow())
                .initialMaxStreamsBidirectional(config.maxInboundStreams())
                .initialMaxStreamsUnidirectional(0);
    }

    @Override
    public CompletableFuture<Multiaddr> listen(EventLoopGroup group, Multiaddr addr, ConnectionSink sink) {
        CompletableFuture<Multiaddr> result = new CompletableFuture<>();
        InetSocketAddress requested;
        try {
            requested = addr.withoutPeerId().toInetSocketAddress();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        ChannelHandler codec = tune(new QuicServerCodecBuilder()).sslContext(serverSsl)
                .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
                .handler(new Handshaked(sink, false, null, null))
                .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .streamHandler(InboundQuicStreams.INSTANCE)
                .build();
        Bootstrap b = new Bootstrap().group(group).channel(datagramClass()).handler(codec);
        if (epoll) {
            b.option(ChannelOption.SO_REUSEADDR, true).option(EpollChannelOption.SO_REUSEPORT, true);
        }
        b.bind(requested).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            servers.add(f.channel());
            int port = ((InetSocketAddress) f.channel().localAddress()).getPort();
            result.complete(toMultiaddr(new InetSocketAddress(requested.getAddress(), port)));
        });
        return result;
    }

    @Override
    public CompletableFuture<Void> dial(EventLoopGroup group, Multiaddr addr, DialOptions options, ConnectionSink sink) {
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
        InetSocketAddress to = target;
        InetSocketAddress from = options.fromListenPort() && epoll && to.getAddress() != null
                ? listenAddress(to.getAddress() instanceof Inet4Address) : null;
        int port = from == null ? -1 : from.getPort();
        CompletableFuture<Channel> udp = from != null ? reusePortSocket(group, from, to) : sharedClient(group, !(to.getAddress() instanceof java.net.Inet6Address));
        udp.whenComplete((ch, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
                return;
            }
            Handshaked h = new Handshaked(sink, true, options, result);
            QuicChannel.newBootstrap(ch).handler(h).streamHandler(InboundQuicStreams.INSTANCE)
                    .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .remoteAddress(to).connect().addListener(f -> {
                        if (!f.isSuccess()) {
                            result.completeExceptionally(f.cause());
                            if (port > 0) {
                                ch.close();
                            }
                        } else if (port > 0) {
                            ((Channel) f.getNow()).closeFuture().addListener(x -> ch.close());
                        }
                    });
            ch.eventLoop().schedule(() -> {
                if (result.completeExceptionally(new TimeoutException("QUIC handshake with " + to + " timed out"))
                        && port > 0) {
                    ch.close();
                }
            }, options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        });
        return result;
    }

    /**
     * Sends {@code payload} from our listening UDP socket to {@code target}: the packets that open a NAT mapping
     * for a peer that dials us at the same time (DCUtR over QUIC).
     */
    public CompletableFuture<Void> punch(InetSocketAddress target, byte[] payload) {
        for (Channel s : servers) {
            InetSocketAddress local = (InetSocketAddress) s.localAddress();
            if (local != null && (local.getAddress() instanceof Inet4Address) == (target.getAddress() instanceof Inet4Address)) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                // From the first handler's context: straight to the socket, past the QUIC codec.
                s.pipeline().firstContext().writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(payload), target))
                        .addListener(f -> {
                            if (f.isSuccess()) {
                                done.complete(null);
                            } else {
                                done.completeExceptionally(f.cause());
                            }
                        });
                return done;
            }
        }
        return CompletableFuture.failedFuture(new IllegalStateException("no QUIC listener for " + target));
    }

    /** The port of our first UDP listener of that address family, or -1. */
    public int listenPort(boolean v4) {
        InetSocketAddress a = listenAddress(v4);
        return a == null ? -1 : a.getPort();
    }

    private InetSocketAddress listenAddress(boolean v4) {
        for (Channel s : servers) {
            InetSocketAddress sa = (InetSocketAddress) s.localAddress();
            if (sa != null && s.isActive() && ((sa.getAddress() instanceof Inet4Address) == v4 || sa.getAddress().isAnyLocalAddress())) {
                return sa;
            }
        }
        return null;
    }

    private ChannelHandler clientCodec() {
        return tune(new QuicClientCodecBuilder()).sslContext(clientSsl).build();
    }

    /** The client socket of that address family (one per family, bound to the wildcard address). */
    private CompletableFuture<Channel> sharedClient(EventLoopGroup group, boolean v4) {
        int slot = v4 ? 0 : 1;
        synchronized (clientLock) {
            if (clients[slot] != null && clients[slot].isActive()) {
                return CompletableFuture.completedFuture(clients[slot]);
            }
        }
        CompletableFuture<Channel> out = new CompletableFuture<>();
        InetSocketAddress any;
        try {
            any = new InetSocketAddress(java.net.InetAddress.getByName(v4 ? "0.0.0.0" : "::"), 0);
        } catch (java.net.UnknownHostException e) {
            return CompletableFuture.failedFuture(e);
        }
        new Bootstrap().group(group).channel(datagramClass()).handler(clientCodec()).bind(any).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                out.completeExceptionally(f.cause());
                return;
            }
            synchronized (clientLock) {
                if (clients[slot] != null && clients[slot].isActive()) {
                    f.channel().close();
                } else {
                    clients[slot] = f.channel();
                }
                out.complete(clients[slot]);
            }
        });
        return out;
    }

    /** A UDP socket on our listen port, connected to {@code target}, so the kernel hands it that peer's packets. */
    private CompletableFuture<Channel> reusePortSocket(EventLoopGroup group, InetSocketAddress local, InetSocketAddress target) {
        CompletableFuture<Channel> out = new CompletableFuture<>();
        new Bootstrap().group(group).channel(datagramClass()).handler(clientCodec())
                .option(ChannelOption.SO_REUSEADDR, true).option(EpollChannelOption.SO_REUSEPORT, true)
                .localAddress(local)
                .connect(target).addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        out.complete(f.channel());
                    } else {
                        out.completeExceptionally(f.cause());
                    }
                });
        return out;
    }

    /**
     * Runs when a QUIC connection finished its handshake: reads the identity the peer's certificate proves (the
     * trust manager already checked it), checks it against the dialed peer, hands the connection to the sink.
     */
    @ChannelHandler.Sharable
    private final class Handshaked extends ChannelInboundHandlerAdapter {
        private final ConnectionSink sink;
        private final boolean outbound;
        private final DialOptions options;
        private final CompletableFuture<Void> dialed;

        Handshaked(ConnectionSink sink, boolean outbound, DialOptions options, CompletableFuture<Void> dialed) {
            this.sink = sink;
            this.outbound = outbound;
            this.options = options;
            this.dialed = dialed;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            QuicChannel quic = (QuicChannel) ctx.channel();
            try {
                var certs = quic.sslEngine().getSession().getPeerCertificates();
                if (certs.length != 1) {
                    throw new CertificateFormatException("expected one peer certificate, got " + certs.length);
                }
                Libp2pCertificate.VerifiedPeer peer = Libp2pCertificate.verify(certs[0].getEncoded(), Instant.now());
                if (outbound && options.expectedPeer().isPresent() && !options.expectedPeer().get().equals(peer.peerId())) {
                    throw new PeerIdMismatchException(options.expectedPeer().get(), peer.peerId());
                }
                QuicConnection conn = new QuicConnection(quic, peer.peerId(), peer.marshalledPublicKey(), outbound,
                        toMultiaddr((InetSocketAddress) quic.remoteSocketAddress()),
                        toMultiaddr((InetSocketAddress) quic.localSocketAddress()));
                sink.securedConnection(conn);
                if (dialed != null) {
                    dialed.complete(null);
                }
            } catch (SSLPeerUnverifiedException | java.security.cert.CertificateEncodingException | RuntimeException e) {
                log.debug("QUIC connection with {} refused: {}", quic.remoteSocketAddress(), e.toString());
                if (dialed != null) {
                    dialed.completeExceptionally(e);
                }
                quic.close();
                return;
            }
            ctx.fireChannelActive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("QUIC connection {} failed: {}", ctx.channel(), cause.toString());
            ctx.close();
        }
    }

    @Override
    public void close() {
        for (Channel s : servers) {
            s.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        servers.clear();
        synchronized (clientLock) {
            for (int i = 0; i < clients.length; i++) {
                if (clients[i] != null) {
                    clients[i].close().awaitUninterruptibly(2, TimeUnit.SECONDS);
                    clients[i] = null;
                }
            }
        }
    }
}
