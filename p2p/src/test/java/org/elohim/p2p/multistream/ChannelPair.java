package org.elohim.p2p.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;

/** Test helper: moves bytes between two EmbeddedChannels until neither has anything to send. */
public final class ChannelPair {
    private ChannelPair() {
    }

    /** Moves everything {@code from} wrote into {@code to}; returns the bytes moved. */
    public static byte[] transfer(EmbeddedChannel from, EmbeddedChannel to) {
        ByteArrayOutputStream moved = new ByteArrayOutputStream();
        Object o;
        while ((o = from.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            byte[] bytes = ByteBufUtil.getBytes(b);
            b.release();
            moved.writeBytes(bytes);
            if (to.isOpen() && bytes.length > 0) {
                to.writeInbound(Unpooled.wrappedBuffer(bytes));
            }
        }
        return moved.toByteArray();
    }

    public static void pump(EmbeddedChannel a, EmbeddedChannel b) {
        for (int i = 0; i < 100; i++) {
            a.runPendingTasks();
            b.runPendingTasks();
            int moved = transfer(a, b).length + transfer(b, a).length;
            if (moved == 0) {
                return;
            }
        }
        throw new AssertionError("channels did not quiesce");
    }

    /** Everything written to {@code ch} so far. */
    public static byte[] drain(EmbeddedChannel ch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        return out.toByteArray();
    }
}
