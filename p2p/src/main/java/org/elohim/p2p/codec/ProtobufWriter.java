package org.elohim.p2p.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Minimal protobuf writer: fields are written in call order (callers write them in field-number order). */
public final class ProtobufWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public ProtobufWriter varint(int field, long value) {
        rawVarint(((long) field << 3) | ProtobufReader.WIRE_VARINT);
        rawVarint(value);
        return this;
    }

    public ProtobufWriter bytes(int field, byte[] value) {
        rawVarint(((long) field << 3) | ProtobufReader.WIRE_LEN);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    public ProtobufWriter fixed64(int field, long value) {
        rawVarint(((long) field << 3) | ProtobufReader.WIRE_FIXED64);
        for (int i = 0; i < 8; i++) {
            out.write((int) (value >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    public ProtobufWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    private void rawVarint(long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
