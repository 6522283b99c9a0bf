package org.elohim.p2p.codec;

import io.netty.buffer.ByteBuf;

/**
 * Unsigned LEB128 varints as used by multiformats and libp2p: at most 9 bytes (63 bits), minimal encoding required.
 */
public final class Uvarint {
    /** Longest encoding the multiformats unsigned-varint spec allows. */
    public static final int MAX_BYTES = 9;
    /** Returned by {@link #tryRead} when the buffer ends inside a varint. */
    public static final long NEED_MORE = -1;

    private Uvarint() {
    }

    /** A value decoded from a byte array and the number of bytes it took. */
    public record Decoded(long value, int length) {
    }

    public static int encodedLength(long value) {
        requireUnsigned(value);
        int n = 1;
        while ((value >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    public static byte[] encode(long value) {
        byte[] out = new byte[encodedLength(value)];
        write(out, 0, value);
        return out;
    }

    /** Writes {@code value} at {@code offset}; returns the number of bytes written. */
    public static int write(byte[] out, int offset, long value) {
        requireUnsigned(value);
        int i = offset;
        while ((value & ~0x7FL) != 0) {
            out[i++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out[i++] = (byte) value;
        return i - offset;
    }

    public static void write(ByteBuf out, long value) {
        requireUnsigned(value);
        while ((value & ~0x7FL) != 0) {
            out.writeByte((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }

    /**
     * Reads a varint of at most {@code maxBytes} bytes if the buffer holds all of it; otherwise returns
     * {@link #NEED_MORE} and leaves the reader index untouched.
     *
     * @throws MalformedFrameException if the varint is longer than {@code maxBytes} or not minimally encoded
     */
    public static long tryRead(ByteBuf in, int maxBytes) {
        checkMax(maxBytes);
        int start = in.readerIndex();
        int end = in.writerIndex();
        long value = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (start + i >= end) {
                return NEED_MORE;
            }
            int b = in.getUnsignedByte(start + i);
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new MalformedFrameException("varint is not minimally encoded");
                }
                in.readerIndex(start + i + 1);
                return value;
            }
        }
        throw new MalformedFrameException("varint longer than " + maxBytes + " bytes");
    }

    /**
     * Decodes a complete varint of at most {@code maxBytes} bytes from {@code buf} at {@code offset}.
     *
     * @throws MalformedFrameException if truncated, too long or not minimally encoded
     */
    public static Decoded decode(byte[] buf, int offset, int maxBytes) {
        checkMax(maxBytes);
        long value = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (offset + i >= buf.length) {
                throw new MalformedFrameException("truncated varint");
            }
            int b = buf[offset + i] & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new MalformedFrameException("varint is not minimally encoded");
                }
                return new Decoded(value, i + 1);
            }
        }
        throw new MalformedFrameException("varint longer than " + maxBytes + " bytes");
    }

    public static Decoded decode(byte[] buf, int offset) {
        return decode(buf, offset, MAX_BYTES);
    }

    private static void checkMax(int maxBytes) {
        if (maxBytes < 1 || maxBytes > MAX_BYTES) {
            throw new IllegalArgumentException("maxBytes must be 1.." + MAX_BYTES);
        }
    }

    private static void requireUnsigned(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("uvarint value must be >= 0: " + value);
        }
    }
}
