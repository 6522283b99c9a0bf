package org.elohim.p2p.host;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multistream.MultistreamDialer;
import org.elohim.p2p.multistream.MultistreamListener;
import org.elohim.p2p.multistream.MultistreamNegotiated;
import org.elohim.p2p.noise.NoiseSecureChannelHandler;
import org.elohim.p2p.noise.Role;
import org.elohim.p2p.noise.SecureSessionEstablished;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.yamux.YamuxMuxerHandler;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Upgrades a raw TCP channel to a libp2p connection (connections spec): multistream-select {@code /noise},
 * the Noise handshake, then yamux, either inlined in the handshake or negotiated by multistream-select.
 * Sits last in the pipeline during the upgrade and replaces itself with the muxer.
 */
final class ConnectionUpgrader extends ChannelInboundHandlerAdapter {

    static final String NOISE = "/noise";

    private final Host host;
    private final Role role;
    private final Optional<PeerId> expectedPeer;
    private final CompletableFuture<P2pConnection> result;
    private final String transport;
    /** Addresses of the pipe (circuit addresses for a relayed stream); null: the socket's own. */
    private final Multiaddr remote;
    private final Multiaddr local;
    private final boolean relayed;
    private ScheduledFuture<?> timeout;
    private SecureSessionEstablished secured;

    ConnectionUpgrader(Host host, Role role, Optional<PeerId> expectedPeer, CompletableFuture<P2pConnection> result) {
        this(host, role, expectedPeer, result, null, null);
    }

    ConnectionUpgrader(Host host, Role role, Optional<PeerId> expectedPeer, CompletableFuture<P2pConnection> result,
                       Multiaddr relayedRemote, Multiaddr relayedLocal) {
        this(host, role, expectedPeer, result, "tcp", relayedRemote, relayedLocal, relayedRemote != null);
    }

    ConnectionUpgrader(Host host, Role role, Optional<PeerId> expectedPeer, CompletableFuture<P2pConnection> result,
                       String transport, Multiaddr remote, Multiaddr local, boolean relayed) {
        this.transport = transport;
        this.remote = remote;
        this.local = local;
        this.relayed = relayed;
        this.host = host;
        this.role = role;
        this.expectedPeer = expectedPeer;
        this.result = result;
    }

    /** Handlers that start the upgrade on a fresh channel. */
    void install(io.netty.channel.Channel ch) {
        if (role == Role.INITIATOR) {
            MultistreamDialer d = new MultistreamDialer(List.of(NOISE));
            failOn(d.protocol());
            ch.pipeline().addLast("mss-security", d);
        } else {
            MultistreamListener l = new MultistreamListener(Set.of(NOISE));
            failOn(l.protocol());
            ch.pipeline().addLast("mss-security", l);
        }
        ch.pipeline().addLast("upgrader", this);
    }

    private void failOn(CompletableFuture<?> step) {
        step.whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            }
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long nanos = host.config().handshakeTimeout().toNanos();
        timeout = ctx.executor().schedule(() -> {
            if (!result.isDone()) {
                result.completeExceptionally(new TimeoutException("connection upgrade timed out"));
                ctx.close();
            }
        }, nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof MultistreamNegotiated n && n.protocol().equals(NOISE) && secured == null) {
            List<String> muxers = host.config().inlineMuxer() ? List.of(YamuxMuxerHandler.PROTOCOL_ID) : List.of();
            NoiseSecureChannelHandler noise = new NoiseSecureChannelHandler(role, host.config().identity(),
                    expectedPeer, muxers, host.config().handshakeTimeout());
            failOn(noise.session());
            ctx.pipeline().addBefore(ctx.name(), "noise", noise);
        } else if (evt instanceof SecureSessionEstablished s) {
            secured = s;
            if (s.inlinedMuxer().filter(YamuxMuxerHandler.PROTOCOL_ID::equals).isPresent()) {
                installMuxer(ctx, true);
            } else if (role == Role.INITIATOR) {
                MultistreamDialer d = new MultistreamDialer(List.of(YamuxMuxerHandler.PROTOCOL_ID));
                failOn(d.protocol());
                ctx.pipeline().addBefore(ctx.name(), "mss-muxer", d);
            } else {
                MultistreamListener l = new MultistreamListener(Set.of(YamuxMuxerHandler.PROTOCOL_ID));
                failOn(l.protocol());
                ctx.pipeline().addBefore(ctx.name(), "mss-muxer", l);
            }
        } else if (evt instanceof MultistreamNegotiated n && n.protocol().equals(YamuxMuxerHandler.PROTOCOL_ID) && secured != null) {
            installMuxer(ctx, false);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void installMuxer(ChannelHandlerContext ctx, boolean inlined) {
        timeout.cancel(false);
        P2pConnection.Direction dir = role == Role.INITIATOR ? P2pConnection.Direction.OUTBOUND : P2pConnection.Direction.INBOUND;
        P2pConnection conn = new P2pConnection(ctx.channel(), secured.remotePeer(), secured.remotePublicKey(), dir,
                remote != null ? remote : Multiaddr.fromInetSocketAddress((InetSocketAddress) ctx.channel().remoteAddress()),
                local != null ? local : Multiaddr.fromInetSocketAddress((InetSocketAddress) ctx.channel().localAddress()),
                inlined, relayed, transport);
        YamuxMuxerHandler muxer = new YamuxMuxerHandler(role == Role.INITIATOR, host.config().yamux(),
                new InboundStreamInitializer(host, conn));
        conn.attach(muxer);
        ctx.pipeline().addBefore(ctx.name(), "yamux", muxer);
        ctx.pipeline().remove(this);
        if (!host.connectionUpgraded(conn)) {
            result.completeExceptionally(new IllegalStateException("connection limit reached"));
            ctx.channel().close();
            return;
        }
        result.complete(conn);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timeout.cancel(false);
        result.completeExceptionally(new ClosedChannelException());
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        result.completeExceptionally(cause);
        ctx.close();
    }
}
