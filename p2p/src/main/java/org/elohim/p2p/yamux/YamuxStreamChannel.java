package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;

import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * One yamux stream as a Netty child channel of the connection: protocol handlers (multistream-select,
 * identify, ping, application protocols) run in its pipeline. Writes respect the stream's send window;
 * reads re-open the peer's window as they are delivered, so {@code autoRead=false} applies backpressure.
 * <p>
 * Half-close: {@link #closeWrite()} sends FIN after pending writes; the peer's FIN arrives as a
 * {@link ChannelInputShutdownEvent}. {@link #close()} resets the stream if neither side had finished, else
 * finishes it gracefully.
 */
public final class YamuxStreamChannel extends AbstractChannel {

    private static final Logger LOG = LoggerFactory.getLogger(YamuxStreamChannel.class);
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    private final YamuxMuxerHandler muxer;
    private final int streamId;
    private final boolean outbound;
    private final ChannelConfig config;
    private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>();

    private boolean open = true;
    private boolean readRequested;
    private boolean remoteFinished;
    private boolean inputShutdownFired;
    private boolean finRequested;
    private boolean finSent;
    private boolean reset;
    private ChannelPromise finPromise;

    YamuxStreamChannel(YamuxMuxerHandler muxer, int streamId, boolean outbound) {
        super(muxer.connection());
        this.muxer = muxer;
        this.streamId = streamId;
        this.outbound = outbound;
        this.config = new DefaultChannelConfig(this);
    }

    public int streamId() {
        return streamId;
    }

    /** True if we opened the stream. */
    public boolean isOutbound() {
        return outbound;
    }

    /** True once the peer reset the stream (or the session ended under it). */
    public boolean isReset() {
        return reset;
    }

    /** True once the peer half-closed (FIN) and every byte before it was delivered. */
    public boolean isInputShutdown() {
        return inputShutdownFired;
    }

    /** Half-closes our side: FIN goes out after every pending write. */
    public ChannelFuture closeWrite() {
        ChannelPromise promise = newPromise();
        if (eventLoop().inEventLoop()) {
            closeWrite0(promise);
        } else {
            eventLoop().execute(() -> closeWrite0(promise));
        }
        return promise;
    }

    private void closeWrite0(ChannelPromise promise) {
        if (finRequested) {
            if (finPromise != null) {
                finPromise.addListener(f -> promise.trySuccess());
            } else {
                promise.trySuccess();
            }
            return;
        }
        if (!open || reset) {
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        finRequested = true;
        finPromise = promise;
        flush(); // writes not yet flushed go before the FIN
        maybeSendFin();
    }

    private void maybeSendFin() {
        ChannelOutboundBuffer buf = unsafe().outboundBuffer();
        if (finRequested && !finSent && (buf == null || buf.isEmpty())) {
            finSent = true;
            muxer.session().closeWrite(streamId);
            muxer.flushSoon();
            if (finPromise != null) {
                finPromise.trySuccess();
            }
        }
    }

    // ------------------------------------------------------------------ called by the muxer (event loop)

    void onData(ByteBuf data) {
        if (!open) {
            int n = data.readableBytes();
            data.release();
            muxer.session().consumed(streamId, n);
            return;
        }
        inbound.add(data);
        deliver();
    }

    void onRemoteFin() {
        remoteFinished = true;
        deliver();
    }

    void onReset() {
        reset = true;
        releaseInbound();
        if (finPromise != null) {
            finPromise.tryFailure(new ClosedChannelException());
        }
        if (open) {
            pipeline().fireUserEventTriggered(StreamResetEvent.INSTANCE);
            unsafe().close(voidPromise());
        }
    }

    void onWritable() {
        if (isActive()) {
            unsafe().flush();
        }
    }

    private void deliver() {
        if (!open || !isRegistered()) {
            return;
        }
        boolean delivered = false;
        while (!inbound.isEmpty() && (readRequested || config.isAutoRead())) {
            ByteBuf b = inbound.poll();
            int n = b.readableBytes();
            delivered = true;
            pipeline().fireChannelRead(b);
            muxer.session().consumed(streamId, n);
            if (!open) {
                break;
            }
        }
        if (delivered) {
            readRequested = false;
            muxer.flushSoon();
            pipeline().fireChannelReadComplete();
        }
        if (open && remoteFinished && inbound.isEmpty() && !inputShutdownFired) {
            inputShutdownFired = true;
            pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        }
    }

    private void releaseInbound() {
        ByteBuf b;
        while ((b = inbound.poll()) != null) {
            b.release();
        }
    }

    // ------------------------------------------------------------------ AbstractChannel

    @Override
    protected DefaultChannelPipeline newChannelPipeline() {
        return new DefaultChannelPipeline(this) {
            @Override
            protected void onUnhandledInboundException(Throwable cause) {
                // A protocol handler failed: that ends this stream, never the connection.
                LOG.debug("stream {} failed: {}", YamuxStreamChannel.this, cause.toString());
                ReferenceCountUtil.release(cause);
                close();
            }

            @Override
            protected void onUnhandledInboundMessage(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        };
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new AbstractUnsafe() {
            @Override
            public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
                promise.setFailure(new UnsupportedOperationException("yamux streams are opened by the muxer"));
            }
        };
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop == parent().eventLoop();
    }

    @Override
    protected SocketAddress localAddress0() {
        return parent().localAddress();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return parent().remoteAddress();
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("yamux streams cannot bind");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doClose() {
        if (!open) {
            return;
        }
        open = false;
        releaseInbound();
        if (!reset && muxer.session().hasStream(streamId)) {
            if (!finSent && muxer.session().isRemoteOpen(streamId)) {
                // Neither side finished: abort the stream so the peer stops sending.
                muxer.session().reset(streamId);
            } else if (!finSent) {
                muxer.session().closeWrite(streamId);
            }
            // FIN sent and the peer still open: let it finish; late data is dropped in onData.
        }
        muxer.streamClosed(this);
        muxer.flushSoon();
    }

    @Override
    protected void doBeginRead() {
        readRequested = true;
        deliver();
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        YamuxSession session = muxer.session();
        while (true) {
            Object msg = in.current();
            if (msg == null) {
                break;
            }
            if (!(msg instanceof ByteBuf buf)) {
                in.remove(new UnsupportedOperationException("yamux streams carry ByteBuf only"));
                continue;
            }
            if (finSent || reset || !session.hasStream(streamId)) {
                in.remove(new ClosedChannelException());
                continue;
            }
            if (!buf.isReadable()) {
                in.remove();
                continue;
            }
            if (!muxer.connection().isWritable()) {
                muxer.waitForConnectionWritable(this);
                break;
            }
            session.write(streamId, buf);
            if (buf.isReadable()) {
                break; // send window exhausted: resumed by onWritable
            }
            in.remove();
        }
        muxer.flushSoon();
        if (in.isEmpty()) {
            maybeSendFin();
        }
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && isRegistered();
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public String toString() {
        return "yamux-stream(" + streamId + " of " + parent() + ")";
    }

    /** User event fired into the stream's pipeline when the peer (or session teardown) reset the stream. */
    public static final class StreamResetEvent {
        public static final StreamResetEvent INSTANCE = new StreamResetEvent();

        private StreamResetEvent() {
        }
    }
}
