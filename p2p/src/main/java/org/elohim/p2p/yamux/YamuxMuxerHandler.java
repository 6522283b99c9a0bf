package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Netty adapter of a {@link YamuxSession}: sits at the end of a secured connection's pipeline, decodes
 * frames, and exposes every stream as a {@link YamuxStreamChannel} child. Inbound streams get
 * {@code inboundStreamInitializer} (a sharable handler, typically a {@code ChannelInitializer}) in their pipeline.
 */
public final class YamuxMuxerHandler extends ChannelDuplexHandler implements YamuxSessionListener,
        org.elohim.p2p.transport.StreamMuxer {

    public static final String PROTOCOL_ID = "/yamux/1.0.0";

    private static final Logger log = LoggerFactory.getLogger(YamuxMuxerHandler.class);
    /** Unsent bytes on the connection beyond which the peer is considered not to read. */
    static final long MAX_UNSENT_BYTES = 64L * 1024 * 1024;

    private final boolean initiator;
    private final YamuxConfig config;
    private final ChannelHandler inboundStreamInitializer;
    private final Map<Integer, YamuxStreamChannel> children = new HashMap<>();
    private final Set<YamuxStreamChannel> waitingForWritable = new LinkedHashSet<>();

    private ChannelHandlerContext ctx;
    private YamuxSession session;
    private ByteBuf cumulation;
    private boolean inRead;
    private boolean needsFlush;
    private boolean closing;
    private ScheduledFuture<?> keepAlive;
    private Consumer<Long> rttListener = rtt -> { };

    public YamuxMuxerHandler(boolean initiator, YamuxConfig config, ChannelHandler inboundStreamInitializer) {
        this.initiator = initiator;
        this.config = config;
        this.inboundStreamInitializer = inboundStreamInitializer;
    }

    Channel connection() {
        return ctx.channel();
    }

    YamuxSession session() {
        return session;
    }

    /** Gets notified of measured keep-alive RTTs (event loop thread). */
    public void onRtt(Consumer<Long> listener) {
        this.rttListener = listener;
    }

    public int streamCount() {
        return children.size();
    }

    /** Opens an outbound stream whose pipeline starts with {@code initializer}. */
    public Future<YamuxStreamChannel> openStream(ChannelHandler initializer) {
        Promise<YamuxStreamChannel> promise = ctx.executor().newPromise();
        if (ctx.executor().inEventLoop()) {
            openStream0(initializer, promise);
        } else {
            ctx.executor().execute(() -> openStream0(initializer, promise));
        }
        return promise;
    }

    private void openStream0(ChannelHandler initializer, Promise<YamuxStreamChannel> promise) {
        if (session == null || !ctx.channel().isActive()) {
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        int id;
        try {
            id = session.openStream();
        } catch (YamuxStreamLimitException e) {
            promise.tryFailure(e);
            return;
        }
        YamuxStreamChannel child = new YamuxStreamChannel(this, id, true);
        children.put(id, child);
        child.pipeline().addLast(initializer);
        ctx.channel().eventLoop().register(child).addListener(f -> {
            if (f.isSuccess()) {
                promise.trySuccess(child);
            } else {
                promise.tryFailure(f.cause());
            }
        });
        flushSoon();
    }

    /** Sends GoAway(0) and closes the connection. */
    public void goAway() {
        ctx.channel().close();
    }

    // ------------------------------------------------------------------ Netty

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.session = new YamuxSession(initiator, config, System::nanoTime, this);
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start();
        ctx.fireChannelActive();
    }

    private void start() {
        if (keepAlive != null) {
            return;
        }
        session.start();
        flushSoon();
        if (!config.keepAliveInterval().isZero()) {
            long period = Math.max(1000, Math.min(config.keepAliveInterval().toMillis(), config.keepAliveTimeout().toMillis()) / 4);
            keepAlive = ctx.executor().scheduleAtFixedRate(() -> {
                session.tick();
                flushSoon();
            }, period, period, TimeUnit.MILLISECONDS);
        } else {
            keepAlive = ctx.executor().schedule(() -> { }, 0, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        inRead = true;
        try {
            cumulation = cumulation == null ? in
                    : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
            while (!session.isTerminated()) {
                YamuxFrame frame = YamuxFrameCodec.decode(cumulation, config.maxStreamWindow());
                if (frame == null) {
                    break;
                }
                session.onFrame(frame);
            }
        } catch (YamuxProtocolException e) {
            session.protocolError(e);
        } finally {
            inRead = false;
        }
        if (cumulation != null && !cumulation.isReadable()) {
            cumulation.release();
            cumulation = null;
        }
        if (session.isTerminated() && cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushNow();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !waitingForWritable.isEmpty()) {
            YamuxStreamChannel[] waiting = waitingForWritable.toArray(new YamuxStreamChannel[0]);
            waitingForWritable.clear();
            for (YamuxStreamChannel c : waiting) {
                c.onWritable();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        shutdown();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        shutdown();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("yamux connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (session != null && !session.isTerminated() && ctx.channel().isActive()) {
            session.goAway(YamuxFrame.GoAway.NORMAL);
            flushNow();
        }
        ctx.close(promise);
    }

    private void shutdown() {
        if (keepAlive != null) {
            keepAlive.cancel(false);
        }
        if (session != null) {
            session.terminate();
        }
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    // ------------------------------------------------------------------ YamuxSessionListener

    @Override
    public void sendFrame(YamuxFrame frame) {
        if (frame instanceof YamuxFrame.Ping p && p.hasFlag(YamuxFrame.FLAG_ACK) && !ctx.channel().isWritable()) {
            return; // a peer that does not read gets no pongs queued up: its pings go unanswered instead
        }
        ByteBuf header = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
        YamuxFrameCodec.encodeHeader(frame, header);
        if (frame instanceof YamuxFrame.Data d) {
            // One buffer per frame so that the secure channel seals header and payload together.
            CompositeByteBuf both = ctx.alloc().compositeBuffer(2);
            both.addComponents(true, header, d.payload());
            ctx.write(both, ctx.voidPromise());
        } else {
            ctx.write(header, ctx.voidPromise());
        }
        needsFlush = true;
        if (ctx.channel().bytesBeforeWritable() > MAX_UNSENT_BYTES && !closing) {
            // Stream writes stop when the connection is unwritable, so this much unsent data means the peer
            // makes us answer (RSTs, window updates) without reading: give up on it.
            closing = true;
            log.debug("peer {} does not read; closing", ctx.channel());
            ctx.executor().execute(() -> ctx.channel().close());
        }
    }

    @Override
    public void streamOpened(int streamId) {
        YamuxStreamChannel child = new YamuxStreamChannel(this, streamId, false);
        try {
            child.pipeline().addLast(inboundStreamInitializer);
        } catch (RuntimeException e) {
            log.warn("cannot set up inbound stream {}: {}", streamId, e.toString());
            session.reset(streamId);
            return;
        }
        children.put(streamId, child);
        ctx.channel().eventLoop().register(child);
    }

    @Override
    public void streamData(int streamId, ByteBuf data) {
        YamuxStreamChannel child = children.get(streamId);
        if (child == null) {
            int n = data.readableBytes();
            data.release();
            session.consumed(streamId, n);
            return;
        }
        child.onData(data);
    }

    @Override
    public void streamRemoteClosed(int streamId) {
        YamuxStreamChannel child = children.get(streamId);
        if (child != null) {
            child.onRemoteFin();
            if (!child.isOpen() && !session.hasStream(streamId)) {
                children.remove(streamId, child); // closed after our FIN and now finished by the peer too
            }
        }
    }

    @Override
    public void streamReset(int streamId) {
        YamuxStreamChannel child = children.remove(streamId);
        if (child != null) {
            waitingForWritable.remove(child);
            child.onReset();
        }
    }

    @Override
    public void streamWritable(int streamId) {
        YamuxStreamChannel child = children.get(streamId);
        if (child != null) {
            child.onWritable();
        }
    }

    @Override
    public void rttMeasured(long rttNanos) {
        rttListener.accept(rttNanos);
    }

    @Override
    public void remoteGoAway(int errorCode) {
        if (errorCode != YamuxFrame.GoAway.NORMAL) {
            log.debug("peer {} sent GoAway({})", ctx.channel(), errorCode);
        }
        if (children.isEmpty()) {
            ctx.close();
        }
    }

    @Override
    public void sessionFailed(Exception cause) {
        log.debug("yamux session {} failed: {}", ctx.channel(), cause.toString());
        flushNow();
        ctx.close();
    }

    // ------------------------------------------------------------------ for streams

    void streamClosed(YamuxStreamChannel child) {
        waitingForWritable.remove(child);
        if (!session.hasStream(child.streamId())) {
            children.remove(child.streamId());
        } else {
            // Half-open after our FIN: keep routing late frames so they are consumed, reset if it lingers.
            ctx.executor().schedule(() -> {
                if (session.hasStream(child.streamId())) {
                    session.reset(child.streamId());
                    flushSoon();
                }
                children.remove(child.streamId(), child);
            }, 10, TimeUnit.SECONDS);
        }
        if (session.isRemoteGoAway() && children.isEmpty()) {
            ctx.close();
        }
    }

    void waitForConnectionWritable(YamuxStreamChannel child) {
        waitingForWritable.add(child);
    }

    /** Flushes now unless inside a read batch (then channelReadComplete flushes once). */
    void flushSoon() {
        if (!inRead) {
            flushNow();
        }
    }

    private void flushNow() {
        if (needsFlush) {
            needsFlush = false;
            ctx.flush();
        }
    }
}
