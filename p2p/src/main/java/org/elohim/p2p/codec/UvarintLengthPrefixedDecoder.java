package org.elohim.p2p.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a byte stream into {@code uvarint(length) || payload} frames and emits each payload as a ByteBuf.
 * A frame larger than {@code maxFrameBytes} raises {@link FrameTooLargeException} before any of it is buffered;
 * a bad varint raises {@link MalformedFrameException}. After an error every further byte is discarded.
 */
public class UvarintLengthPrefixedDecoder extends ByteToMessageDecoder {
    private final int maxFrameBytes;
    private boolean failed;

    public UvarintLengthPrefixedDecoder(int maxFrameBytes) {
        if (maxFrameBytes < 0) {
            throw new IllegalArgumentException("maxFrameBytes < 0");
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            int start = in.readerIndex();
            long length;
            try {
                length = Uvarint.tryRead(in, Uvarint.MAX_BYTES);
                if (length > maxFrameBytes) {
                    throw new FrameTooLargeException(length, maxFrameBytes);
                }
            } catch (P2pProtocolException e) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw e;
            }
            if (length == Uvarint.NEED_MORE) {
                return;
            }
            if (in.readableBytes() < length) {
                in.readerIndex(start);
                return;
            }
            out.add(in.readRetainedSlice((int) length));
        }
    }
}
