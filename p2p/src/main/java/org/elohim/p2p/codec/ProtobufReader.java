package org.elohim.p2p.codec;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Minimal protobuf (proto2/proto3 wire format) reader for the few small libp2p messages. Bounds-checked: every
 * problem is a {@link MalformedFrameException}. Usage: {@code while (r.hasMore()) { switch (r.readTag()) ... } }.
 */
public final class ProtobufReader {
    public static final int WIRE_VARINT = 0;
    public static final int WIRE_FIXED64 = 1;
    public static final int WIRE_LEN = 2;
    public static final int WIRE_FIXED32 = 5;

    private final byte[] buf;
    private int pos;
    private final int end;
    private int wireType = -1;

    public ProtobufReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public ProtobufReader(byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > buf.length) {
            throw new IllegalArgumentException("bad range");
        }
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    public boolean hasMore() {
        return pos < end;
    }

    /** Reads the next key; returns the field number. The wire type is then available from {@link #wireType()}. */
    public int readTag() {
        long key = readRawVarint();
        int field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        if (field <= 0 || key >>> 3 > 0x1FFFFFFFL) {
            throw new MalformedFrameException("bad protobuf field number " + (key >>> 3));
        }
        if (wireType != WIRE_VARINT && wireType != WIRE_FIXED64 && wireType != WIRE_LEN && wireType != WIRE_FIXED32) {
            throw new MalformedFrameException("unsupported protobuf wire type " + wireType);
        }
        return field;
    }

    public int wireType() {
        return wireType;
    }

    public long readVarint() {
        expect(WIRE_VARINT);
        return readRawVarint();
    }

    public long readFixed64() {
        expect(WIRE_FIXED64);
        advance(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (buf[pos - 8 + i] & 0xFF);
        }
        return v;
    }

    public byte[] readBytes() {
        expect(WIRE_LEN);
        long len = readRawVarint();
        if (len < 0 || len > end - pos) {
            throw new MalformedFrameException("protobuf length " + len + " exceeds remaining " + (end - pos));
        }
        byte[] out = new byte[(int) len];
        System.arraycopy(buf, pos, out, 0, out.length);
        pos += out.length;
        return out;
    }

    /** Reads a length-delimited field as strict UTF-8. */
    public String readString() {
        byte[] bytes = readBytes();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFrameException("invalid UTF-8 in protobuf string", e);
        }
    }

    /** Skips the value of the field whose tag was just read. */
    public void skip() {
        switch (wireType) {
            case WIRE_VARINT -> readRawVarint();
            case WIRE_FIXED64 -> advance(8);
            case WIRE_FIXED32 -> advance(4);
            case WIRE_LEN -> readBytes();
            default -> throw new MalformedFrameException("cannot skip wire type " + wireType);
        }
    }

    private void advance(int n) {
        if (end - pos < n) {
            throw new MalformedFrameException("truncated protobuf field");
        }
        pos += n;
    }

    private void expect(int type) {
        if (wireType != type) {
            throw new MalformedFrameException("protobuf wire type " + wireType + ", expected " + type);
        }
    }

    private long readRawVarint() {
        long value = 0;
        for (int i = 0; i < 10; i++) {
            if (pos >= end) {
                throw new MalformedFrameException("truncated protobuf varint");
            }
            int b = buf[pos++] & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new MalformedFrameException("protobuf varint longer than 10 bytes");
    }
}
