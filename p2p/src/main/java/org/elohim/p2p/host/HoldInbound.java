package org.elohim.p2p.host;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps whatever arrives on a negotiated stream (bytes that followed the protocol answer, a FIN) until the
 * caller has put its protocol handlers in place with {@link P2pStream#start}, then replays it in order.
 */
final class HoldInbound extends ChannelInboundHandlerAdapter {

    private record HeldEvent(Object event) {
    }

    private final List<Object> held = new ArrayList<>();
    private ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // replayed with the data
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        held.add(new HeldEvent(evt));
    }

    /** Event loop only: passes everything held to the handlers after this one and leaves the pipeline. */
    void replayAndRemove() {
        List<Object> copy = new ArrayList<>(held);
        held.clear();
        ctx.pipeline().remove(this);
        boolean data = false;
        for (Object o : copy) {
            if (o instanceof HeldEvent e) {
                ctx.fireUserEventTriggered(e.event());
            } else {
                data = true;
                ctx.fireChannelRead(o);
            }
        }
        if (data) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        for (Object o : held) {
            if (!(o instanceof HeldEvent)) {
                ReferenceCountUtil.release(o);
            }
        }
        held.clear();
    }
}
