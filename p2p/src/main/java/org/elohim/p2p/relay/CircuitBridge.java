package org.elohim.p2p.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.elohim.p2p.yamux.YamuxStreamChannel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Joins two streams of the relay into one relayed connection: bytes of each go to the other with backpressure
 * (reading pauses while the other side cannot take more), FIN is passed on, and the circuit is closed when
 * either side closes, after {@code duration}, or when one direction exceeds {@code maxBytes}.
 */
final class CircuitBridge {

    private final Channel a;
    private final Channel b;
    private final long maxBytes;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CircuitBridge(Channel a, Channel b, long maxBytes, Runnable onClose) {
        this.a = a;
        this.b = b;
        this.maxBytes = maxBytes;
        this.onClose = onClose;
    }

    /** Adds the pipes (call on each channel's event loop before its message reader is removed). */
    static CircuitBridge create(Channel a, Channel b, Duration duration, long maxBytes, Runnable onClose) {
        CircuitBridge bridge = new CircuitBridge(a, b, maxBytes, onClose);
        a.closeFuture().addListener(f -> bridge.close());
        b.closeFuture().addListener(f -> bridge.close());
        a.eventLoop().schedule(bridge::close, duration.toMillis(), TimeUnit.MILLISECONDS);
        return bridge;
    }

    Pipe pipeFromA() {
        return new Pipe(b);
    }

    Pipe pipeFromB() {
        return new Pipe(a);
    }

    void close() {
        if (closed.compareAndSet(false, true)) {
            a.close();
            b.close();
            onClose.run();
        }
    }

    /** Reads one side, writes to {@code to}. */
    final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel to;
        private final AtomicBoolean paused = new AtomicBoolean();
        private long forwarded;

        Pipe(Channel to) {
            this.to = to;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            to.closeFuture().addListener(f -> ctx.channel().close());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf) || closed.get()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            forwarded += buf.readableBytes();
            if (forwarded > maxBytes) {
                buf.release();
                close();
                return;
            }
            to.writeAndFlush(buf).addListener(f -> {
                if (!f.isSuccess()) {
                    close();
                }
            });
            if (!to.isWritable() && paused.compareAndSet(false, true)) {
                Channel from = ctx.channel();
                from.config().setAutoRead(false);
                // On the other side's event loop, so that its writability cannot change unseen in between.
                to.eventLoop().execute(() -> {
                    ChannelInboundHandlerAdapter resume = new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelWritabilityChanged(ChannelHandlerContext c) {
                            if (c.channel().isWritable()) {
                                c.pipeline().remove(this);
                                resume(from);
                            }
                            c.fireChannelWritabilityChanged();
                        }
                    };
                    if (to.isWritable() || !to.isActive()) {
                        resume(from);
                    } else {
                        to.pipeline().addFirst(resume);
                    }
                });
            }
        }

        private void resume(Channel from) {
            paused.set(false);
            from.config().setAutoRead(true);
            from.read();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent && to instanceof YamuxStreamChannel s) {
                s.closeWrite();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            close();
        }
    }
}
