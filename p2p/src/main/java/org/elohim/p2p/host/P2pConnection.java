package org.elohim.p2p.host;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.elohim.p2p.identify.IdentifyMessage;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multistream.MultistreamDialer;
import org.elohim.p2p.multistream.MultistreamNegotiated;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.yamux.YamuxMuxerHandler;
import org.elohim.p2p.transport.StreamMuxer;

import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An upgraded libp2p connection (TCP + Noise + yamux) to one authenticated peer. A relayed connection runs the
 * same upgrade over a circuit relay stream; its channel is that stream.
 */
public final class P2pConnection {

    public enum Direction { INBOUND, OUTBOUND }

    private final Channel channel;
    private final PeerId remotePeer;
    private final byte[] remotePublicKey;
    private final Direction direction;
    private final Multiaddr remoteAddr;
    private final Multiaddr localAddr;
    private final boolean muxerInlined;
    private final boolean relayed;
    private final String transport;
    private volatile boolean keepAlive;
    private final CompletableFuture<IdentifyMessage> identified = new CompletableFuture<>();
    private final AtomicReference<IdentifyMessage> identify = new AtomicReference<>();
    private StreamMuxer muxer;
    private volatile org.elohim.p2p.resource.ResourceManager.Connection resourceScope;
    private long idleSince;

    P2pConnection(Channel channel, PeerId remotePeer, byte[] remotePublicKey, Direction direction,
                  Multiaddr remoteAddr, Multiaddr localAddr, boolean muxerInlined) {
        this(channel, remotePeer, remotePublicKey, direction, remoteAddr, localAddr, muxerInlined, false);
    }

    P2pConnection(Channel channel, PeerId remotePeer, byte[] remotePublicKey, Direction direction,
                  Multiaddr remoteAddr, Multiaddr localAddr, boolean muxerInlined, boolean relayed) {
        this(channel, remotePeer, remotePublicKey, direction, remoteAddr, localAddr, muxerInlined, relayed, "tcp");
    }

    P2pConnection(Channel channel, PeerId remotePeer, byte[] remotePublicKey, Direction direction,
                  Multiaddr remoteAddr, Multiaddr localAddr, boolean muxerInlined, boolean relayed, String transport) {
        this.transport = transport;
        this.channel = channel;
        this.remotePeer = remotePeer;
        this.remotePublicKey = remotePublicKey.clone();
        this.direction = direction;
        this.remoteAddr = remoteAddr;
        this.localAddr = localAddr;
        this.muxerInlined = muxerInlined;
        this.relayed = relayed;
    }

    void resourceScope(org.elohim.p2p.resource.ResourceManager.Connection scope) {
        this.resourceScope = scope;
    }

    /** Counts a stream against the limits; null when the connection is not under a resource manager. */
    org.elohim.p2p.resource.ResourceManager.Stream admitStream(boolean inbound)
            throws org.elohim.p2p.resource.ResourceLimitExceededException {
        var scope = resourceScope;
        return scope == null ? null : scope.openStream(inbound);
    }

    void attach(StreamMuxer muxer) {
        this.muxer = muxer;
    }

    public PeerId remotePeer() {
        return remotePeer;
    }

    /** The peer's marshalled libp2p public key, as proven in the Noise handshake. */
    public byte[] remotePublicKey() {
        return remotePublicKey.clone();
    }

    public Direction direction() {
        return direction;
    }

    /** The peer's transport address ({@code /ip4/../tcp/..}). */
    public Multiaddr remoteAddr() {
        return remoteAddr;
    }

    public Multiaddr localAddr() {
        return localAddr;
    }

    /** The stream muxer: yamux, or {@code quic} where the transport has its own streams. */
    public String muxer() {
        return muxer instanceof YamuxMuxerHandler ? YamuxMuxerHandler.PROTOCOL_ID : transport;
    }

    /** The transport the connection runs on: {@code tcp}, {@code quic} or {@code ws} (for a relayed one, the
     *  transport of the relayed pipe as the upgrader saw it). */
    public String transport() {
        return transport;
    }

    /** True if the muxer was agreed inside the Noise handshake, false if by multistream-select. */
    public boolean isMuxerInlined() {
        return muxerInlined;
    }

    /** True if the connection runs through a circuit relay ({@code /p2p-circuit}), false if direct. */
    public boolean isRelayed() {
        return relayed;
    }

    /** Exempts the connection from the idle close (e.g. the connection holding a relay reservation). */
    public void keepAlive(boolean on) {
        this.keepAlive = on;
    }

    public Channel channel() {
        return channel;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** Completes with the peer's first identify answer. */
    public CompletableFuture<IdentifyMessage> identified() {
        return identified;
    }

    /** The latest identify information (answer or push), or null before any. */
    public IdentifyMessage identify() {
        return identify.get();
    }

    void onIdentify(IdentifyMessage m) {
        identify.set(m);
        identified.complete(m);
    }

    void failIdentify(Throwable t) {
        identified.completeExceptionally(t);
    }

    /**
     * Opens a stream and negotiates the first of {@code protocols} the peer supports. Input that arrives before
     * {@link P2pStream#start} installs the protocol's handlers is held, not lost.
     */
    public CompletableFuture<P2pStream> newStream(String... protocols) {
        return newStream(s -> {
            s.channel().config().setAutoRead(false);
            s.channel().pipeline().addLast(new HoldInbound());
        }, protocols);
    }

    /**
     * Opens a stream, negotiates the first of {@code protocols} the peer supports, and hands it to
     * {@code handler} on the event loop before any data of the peer is delivered.
     */
    public CompletableFuture<P2pStream> newStream(StreamHandler handler, String... protocols) {
        CompletableFuture<P2pStream> result = new CompletableFuture<>();
        if (muxer == null || !channel.isActive()) {
            result.completeExceptionally(new ClosedChannelException());
            return result;
        }
        org.elohim.p2p.resource.ResourceManager.Stream admitted;
        try {
            admitted = admitStream(false);
        } catch (org.elohim.p2p.resource.ResourceLimitExceededException e) {
            result.completeExceptionally(e);
            return result;
        }
        result.whenComplete((s, e) -> {
            if (e != null && admitted != null) {
                admitted.close();
            }
        });
        P2pConnection self = this;
        muxer.openStream(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (admitted != null) {
                    ch.closeFuture().addListener(f -> admitted.close());
                }
                MultistreamDialer dialer = new MultistreamDialer(List.of(protocols));
                dialer.protocol().whenComplete((p, err) -> {
                    if (err != null) {
                        result.completeExceptionally(err);
                    }
                });
                ch.pipeline().addLast(dialer);
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof MultistreamNegotiated n) {
                            ctx.pipeline().remove(this);
                            P2pStream stream = new P2pStream(ch, n.protocol(), self);
                            try {
                                handler.initStream(stream);
                                result.complete(stream);
                            } catch (RuntimeException e) {
                                result.completeExceptionally(e);
                                ch.close();
                            }
                        } else {
                            ctx.fireUserEventTriggered(evt);
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        result.completeExceptionally(new ClosedChannelException());
                        ctx.fireChannelInactive();
                    }
                });
            }
        }).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }

    /** Closes the connection (yamux GoAway, then TCP close). */
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        channel.close().addListener(f -> done.complete(null));
        return done;
    }

    /** Number of streams open on the connection (event loop only). */
    int streamCount() {
        return muxer == null ? 0 : muxer.streamCount();
    }

    /** Idle close check, run on the event loop. */
    void checkIdle(long now, long idleNanos) {
        if (keepAlive || streamCount() > 0) {
            idleSince = 0;
        } else if (idleSince == 0) {
            idleSince = now;
        } else if (now - idleSince >= idleNanos) {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return "P2pConnection[" + direction + " " + transport + (relayed ? " relayed " : " ") + remotePeer + " @ " + remoteAddr + "]";
    }
}
