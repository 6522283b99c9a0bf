package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;

/** Pure yamux frame codec: bytes in, {@link YamuxFrame} records out, with an explicit payload limit. */
public final class YamuxFrameCodec {

    private YamuxFrameCodec() {
    }

    /**
     * Decodes one frame from {@code in} if it is complete, else returns null and consumes nothing.
     * A Data frame's payload is a retained slice of {@code in}.
     *
     * @throws YamuxProtocolException on a bad version, type, stream id or oversized payload
     */
    public static YamuxFrame decode(ByteBuf in, int maxDataLength) {
        if (in.readableBytes() < YamuxFrame.HEADER_LENGTH) {
            return null;
        }
        int start = in.readerIndex();
        int version = in.getUnsignedByte(start);
        int type = in.getUnsignedByte(start + 1);
        int flags = in.getUnsignedShort(start + 2);
        int streamId = in.getInt(start + 4);
        long length = in.getUnsignedInt(start + 8);
        if (version != YamuxFrame.VERSION) {
            throw new YamuxProtocolException("unsupported yamux version " + version);
        }
        if (streamId < 0) {
            throw new YamuxProtocolException("stream id out of range: " + Integer.toUnsignedString(streamId));
        }
        switch (type) {
            case YamuxFrame.TYPE_DATA -> {
                if (length > maxDataLength) {
                    throw new YamuxProtocolException("data frame of " + length + " bytes exceeds limit " + maxDataLength);
                }
                if (in.readableBytes() < YamuxFrame.HEADER_LENGTH + length) {
                    return null;
                }
                in.skipBytes(YamuxFrame.HEADER_LENGTH);
                return new YamuxFrame.Data(streamId, flags, in.readRetainedSlice((int) length));
            }
            case YamuxFrame.TYPE_WINDOW_UPDATE -> {
                in.skipBytes(YamuxFrame.HEADER_LENGTH);
                return new YamuxFrame.WindowUpdate(streamId, flags, length);
            }
            case YamuxFrame.TYPE_PING -> {
                if (streamId != 0) {
                    throw new YamuxProtocolException("ping on stream " + streamId);
                }
                in.skipBytes(YamuxFrame.HEADER_LENGTH);
                return new YamuxFrame.Ping(flags, (int) length);
            }
            case YamuxFrame.TYPE_GO_AWAY -> {
                if (streamId != 0) {
                    throw new YamuxProtocolException("go away on stream " + streamId);
                }
                in.skipBytes(YamuxFrame.HEADER_LENGTH);
                return new YamuxFrame.GoAway((int) length);
            }
            default -> throw new YamuxProtocolException("unknown yamux frame type " + type);
        }
    }

    /** Writes the 12-byte header of {@code frame} into {@code out} (the payload of Data is not copied). */
    public static void encodeHeader(YamuxFrame frame, ByteBuf out) {
        long length;
        if (frame instanceof YamuxFrame.Data d) {
            length = d.length();
        } else if (frame instanceof YamuxFrame.WindowUpdate w) {
            length = w.delta();
        } else if (frame instanceof YamuxFrame.Ping p) {
            length = p.opaque() & 0xFFFFFFFFL;
        } else {
            length = ((YamuxFrame.GoAway) frame).errorCode() & 0xFFFFFFFFL;
        }
        out.writeByte(YamuxFrame.VERSION);
        out.writeByte(frame.type());
        out.writeShort(frame.flags());
        out.writeInt(frame.streamId());
        out.writeInt((int) length);
    }

    /** Header followed by the payload (copied) of a Data frame; convenience for tests and small frames. */
    public static void encode(YamuxFrame frame, ByteBuf out) {
        encodeHeader(frame, out);
        if (frame instanceof YamuxFrame.Data d) {
            out.writeBytes(d.payload(), d.payload().readerIndex(), d.length());
        }
    }
}
