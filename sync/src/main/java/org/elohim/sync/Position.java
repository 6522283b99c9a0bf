package org.elohim.sync;

/** A position in a stream: {@code (epoch, seq)}. {@code (0, 0)} means "never read". */
public record Position(long epoch, long seq) {
    public static final Position NONE = new Position(0, 0);

    public boolean isNone() {
        return epoch == 0 && seq == 0;
    }

    org.elohim.api.v1.StreamPosition toProto() {
        return org.elohim.api.v1.StreamPosition.newBuilder().setEpoch(epoch).setSeq(seq).build();
    }

    static Position of(org.elohim.api.v1.StreamPosition p) {
        return new Position(p.getEpoch(), p.getSeq());
    }

    @Override
    public String toString() {
        return "(" + Long.toUnsignedString(epoch, 16) + ", " + seq + ")";
    }
}
