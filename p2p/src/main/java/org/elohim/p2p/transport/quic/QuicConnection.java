package org.elohim.p2p.transport.quic;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.transport.SecuredConnection;

import java.util.concurrent.atomic.AtomicInteger;

/** A QUIC connection whose peer proved its libp2p identity in the TLS handshake; QUIC streams are the streams. */
final class QuicConnection implements SecuredConnection {

    /** Initializer of the streams the peer opens, set by the host on the QUIC channel. */
    static final AttributeKey<ChannelHandler> INBOUND = AttributeKey.valueOf("elohim.quic.inbound");
    static final AttributeKey<QuicConnection> CONNECTION = AttributeKey.valueOf("elohim.quic.connection");

    private final QuicChannel channel;
    private final PeerId remotePeer;
    private final byte[] remotePublicKey;
    private final boolean outbound;
    private final Multiaddr remote;
    private final Multiaddr local;
    private final AtomicInteger streams = new AtomicInteger();

    QuicConnection(QuicChannel channel, PeerId remotePeer, byte[] remotePublicKey, boolean outbound,
                   Multiaddr remote, Multiaddr local) {
        this.channel = channel;
        this.remotePeer = remotePeer;
        this.remotePublicKey = remotePublicKey.clone();
        this.outbound = outbound;
        this.remote = remote;
        this.local = local;
        channel.attr(CONNECTION).set(this);
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public String transport() {
        return QuicTransport.NAME;
    }

    @Override
    public PeerId remotePeer() {
        return remotePeer;
    }

    @Override
    public byte[] remotePublicKey() {
        return remotePublicKey.clone();
    }

    @Override
    public boolean outbound() {
        return outbound;
    }

    @Override
    public Multiaddr remoteAddr() {
        return remote;
    }

    @Override
    public Multiaddr localAddr() {
        return local;
    }

    @Override
    public void inboundStreams(ChannelHandler initializer) {
        channel.attr(INBOUND).set(initializer);
    }

    @Override
    public Future<? extends Channel> openStream(ChannelHandler initializer) {
        return channel.newStreamBootstrap().type(QuicStreamType.BIDIRECTIONAL)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(initializer).create().addListener(f -> {
                    if (f.isSuccess()) {
                        track((Channel) f.getNow());
                    }
                });
    }

    void track(Channel stream) {
        streams.incrementAndGet();
        stream.closeFuture().addListener(x -> streams.decrementAndGet());
    }

    @Override
    public int streamCount() {
        return streams.get();
    }
}
