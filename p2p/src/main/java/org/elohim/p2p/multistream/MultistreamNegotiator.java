package org.elohim.p2p.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Shared life cycle of the dialer and listener: a deadline, one outcome, self-removal on success (so that
 * {@link ByteToMessageDecoder} forwards bytes that arrived after the negotiation) and close on failure.
 *
 * <p>The outcome future is completed on the event loop <em>before</em> the handler leaves the pipeline, so a
 * callback registered with {@code thenAccept} (not the async variants) can add the protocol handler in time to
 * receive the leftover bytes. {@link MultistreamNegotiated} is fired at the same point.
 */
abstract class MultistreamNegotiator extends ByteToMessageDecoder {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final CompletableFuture<String> outcome = new CompletableFuture<>();
    private final Duration timeout;
    private ScheduledFuture<?> timer;
    private boolean started;
    private boolean finished;

    MultistreamNegotiator(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        this.timeout = timeout;
    }

    /** The negotiated protocol, or a failure with a {@link MultistreamException}. */
    public CompletableFuture<String> protocol() {
        return outcome;
    }

    /** Called once, when the channel is active and this handler is in the pipeline. */
    abstract void onStart(ChannelHandlerContext ctx);

    /** Handles one complete message; returns false to stop reading (negotiation finished). */
    abstract boolean onMessage(ChannelHandlerContext ctx, byte[] body);

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        timer = ctx.executor().schedule(
                () -> fail(ctx, new NegotiationTimeoutException(timeout)), timeout.toNanos(), TimeUnit.NANOSECONDS);
        onStart(ctx);
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (finished) {
            if (!outcome.isDone() || outcome.isCompletedExceptionally()) {
                in.skipBytes(in.readableBytes());
            }
            return;
        }
        try {
            boolean wrote = false;
            while (!finished) {
                byte[] body = MultistreamCodec.tryReadFrame(in);
                if (body == null) {
                    break;
                }
                wrote = true;
                if (!onMessage(ctx, body)) {
                    break;
                }
            }
            if (wrote && !finished) {
                ctx.flush();
            }
        } catch (MultistreamException e) {
            in.skipBytes(in.readableBytes());
            fail(ctx, e);
        } catch (org.elohim.p2p.codec.P2pProtocolException e) {
            in.skipBytes(in.readableBytes());
            fail(ctx, new MultistreamException("malformed multistream message: " + e.getMessage(), e));
        }
    }

    final void succeed(ChannelHandlerContext ctx, String protocol) {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        ctx.flush();
        outcome.complete(protocol);
        ctx.fireUserEventTriggered(new MultistreamNegotiated(protocol));
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this);
        }
    }

    final void fail(ChannelHandlerContext ctx, MultistreamException cause) {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        outcome.completeExceptionally(cause);
        ctx.flush();
        ctx.close();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, new MultistreamException("channel closed during multistream-select"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (finished && !outcome.isCompletedExceptionally()) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        fail(ctx, cause instanceof MultistreamException m ? m
                : new MultistreamException("multistream-select failed: " + cause.getMessage(), cause));
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelTimer();
    }
}
