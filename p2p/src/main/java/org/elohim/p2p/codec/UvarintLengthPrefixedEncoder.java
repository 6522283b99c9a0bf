package org.elohim.p2p.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/** Prefixes every outbound ByteBuf with {@code uvarint(readableBytes)}, without copying the payload. */
@ChannelHandler.Sharable
public class UvarintLengthPrefixedEncoder extends MessageToMessageEncoder<ByteBuf> {
    private final int maxFrameBytes;

    public UvarintLengthPrefixedEncoder() {
        this(Integer.MAX_VALUE);
    }

    public UvarintLengthPrefixedEncoder(int maxFrameBytes) {
        super(ByteBuf.class);
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        int length = msg.readableBytes();
        if (length > maxFrameBytes) {
            throw new EncoderException(new FrameTooLargeException(length, maxFrameBytes));
        }
        ByteBuf prefix = ctx.alloc().buffer(Uvarint.encodedLength(length));
        Uvarint.write(prefix, length);
        out.add(prefix);
        out.add(msg.retain());
    }
}
