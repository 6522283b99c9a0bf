package org.elohim.p2p.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a byte stream into {@code uvarint(length) || payload} frames and emits each payload as a ByteBuf.
 * A frame larger than {@code maxFrameBytes} is a {@link FrameTooLargeException}, detected before any of it is
 * buffered; a bad varint is a {@link MalformedFrameException}. After an error every further byte is discarded and,
 * by default, the channel is closed without propagating the exception (see {@link #failure()}); with
 * {@code closeOnError=false} the exception goes to {@code exceptionCaught} instead.
 */
public class UvarintLengthPrefixedDecoder extends ByteToMessageDecoder {
    private final int maxFrameBytes;
    private final boolean closeOnError;
    private boolean failed;
    private volatile P2pProtocolException failure;

    public UvarintLengthPrefixedDecoder(int maxFrameBytes) {
        this(maxFrameBytes, true);
    }

    public UvarintLengthPrefixedDecoder(int maxFrameBytes, boolean closeOnError) {
        if (maxFrameBytes < 0) {
            throw new IllegalArgumentException("maxFrameBytes < 0");
        }
        this.maxFrameBytes = maxFrameBytes;
        this.closeOnError = closeOnError;
    }

    /** The error that made this decoder close the channel, if any. */
    public java.util.Optional<P2pProtocolException> failure() {
        return java.util.Optional.ofNullable(failure);
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
                failure = e;
                in.skipBytes(in.readableBytes());
                if (!closeOnError) {
                    throw e;
                }
                ctx.close();
                return;
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
