package org.elohim.node.changes;

import java.io.ByteArrayOutputStream;

/** Unsigned/signed LEB128 as Automerge writes it; readers are bounded by the slice they read. */
public final class Leb128 {
    private Leb128() {
    }

    /** A cursor over a byte range; every read fails with {@link MalformedChunkException} past the end. */
    public static final class Reader {
        private final byte[] b;
        private int pos;
        private final int end;

        public Reader(byte[] b, int from, int to) {
            this.b = b;
            this.pos = from;
            this.end = to;
        }

        public int position() {
            return pos;
        }

        public int remaining() {
            return end - pos;
        }

        public long uleb() {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                if (pos >= end) throw new MalformedChunkException("truncated LEB128");
                if (shift > 63) throw new MalformedChunkException("LEB128 too long");
                int x = b[pos++] & 0xff;
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) return v;
            }
        }

        /** An unsigned value used as a count or length: at most {@code max}. */
        public int length(long max) {
            long v = uleb();
            if (v < 0 || v > max) throw new MalformedChunkException("length " + v + " exceeds " + max);
            return (int) v;
        }

        public long sleb() {
            long v = 0;
            int shift = 0;
            int x;
            do {
                if (pos >= end) throw new MalformedChunkException("truncated LEB128");
                if (shift > 63) throw new MalformedChunkException("LEB128 too long");
                x = b[pos++] & 0xff;
                v |= (long) (x & 0x7f) << shift;
                shift += 7;
            } while ((x & 0x80) != 0);
            if (shift < 64 && (x & 0x40) != 0) v |= -1L << shift;
            return v;
        }

        public int skip(int n) {
            if (n < 0 || n > remaining()) throw new MalformedChunkException("truncated: need " + n + " bytes");
            int at = pos;
            pos += n;
            return at;
        }

        public byte[] bytes(int n) {
            int at = skip(n);
            byte[] out = new byte[n];
            System.arraycopy(b, at, out, 0, n);
            return out;
        }
    }

    public static void writeUleb(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    public static int ulebSize(long v) {
        int n = 1;
        while ((v & ~0x7fL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }
}
