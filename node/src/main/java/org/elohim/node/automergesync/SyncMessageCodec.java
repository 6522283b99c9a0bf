package org.elohim.node.automergesync;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pure encoder/decoder of Automerge sync messages. Decoding bounds every count by the bytes
 * present, so a short message cannot make it allocate much. Hash lists are written sorted
 * (the reference encoder requires it).
 */
public final class SyncMessageCodec {
    static final int HASH = 32;

    private SyncMessageCodec() {
    }

    public static SyncMessage decode(byte[] b) {
        if (b == null || b.length < 1) throw new SyncMessageException("empty sync message");
        int type = b[0] & 0xff;
        if (type != SyncMessage.V1 && type != SyncMessage.V2) {
            throw new SyncMessageException("unknown sync message type 0x" + Integer.toHexString(type));
        }
        Reader r = new Reader(b, 1);
        List<byte[]> heads = r.hashes();
        List<byte[]> need = r.hashes();
        int haveCount = r.count(2);
        List<SyncMessage.Have> have = new ArrayList<>(haveCount);
        for (int i = 0; i < haveCount; i++) {
            List<byte[]> lastSync = r.hashes();
            have.add(new SyncMessage.Have(lastSync, r.bytes()));
        }
        int changeCount = r.count(1);
        List<byte[]> changes = new ArrayList<>(changeCount);
        for (int i = 0; i < changeCount; i++) changes.add(r.bytes());
        int flags = -1;
        if (r.pos < b.length) {
            byte[] trailer = r.bytes();
            flags = 0;
            for (byte x : trailer) if ((x & 0x80) != 0) flags |= x & 0x7f; // bytes below 0x80 are legacy
        }
        if (r.pos != b.length) throw new SyncMessageException("trailing bytes after the sync message");
        return new SyncMessage(type, heads, need, have, changes, flags);
    }

    /** V1, no flags trailer. */
    public static byte[] encode(SyncMessage m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + m.changes().stream().mapToInt(c -> c.length + 5).sum());
        out.write(m.type());
        hashes(out, m.heads());
        hashes(out, m.need());
        uleb(out, m.have().size());
        for (SyncMessage.Have h : m.have()) {
            hashes(out, h.lastSync());
            uleb(out, h.bloom().length);
            out.writeBytes(h.bloom());
        }
        uleb(out, m.changes().size());
        for (byte[] c : m.changes()) {
            uleb(out, c.length);
            out.writeBytes(c);
        }
        if (m.flags() >= 0) {
            uleb(out, 2);
            out.write(2);
            out.write(0x80 | m.flags());
        }
        return out.toByteArray();
    }

    static void hashes(ByteArrayOutputStream out, List<byte[]> hs) {
        List<byte[]> sorted = new ArrayList<>(hs);
        sorted.sort(Arrays::compareUnsigned);
        uleb(out, sorted.size());
        for (byte[] h : sorted) {
            if (h.length != HASH) throw new IllegalArgumentException("hash of " + h.length + " bytes");
            out.writeBytes(h);
        }
    }

    static void uleb(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static final class Reader {
        final byte[] b;
        int pos;

        Reader(byte[] b, int pos) {
            this.b = b;
            this.pos = pos;
        }

        long uleb() {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                if (pos >= b.length) throw new SyncMessageException("truncated sync message");
                if (shift > 63) throw new SyncMessageException("LEB128 too long");
                int x = b[pos++] & 0xff;
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) return v;
            }
        }

        /** A count of items each at least {@code minBytes} long, bounded by what remains. */
        int count(int minBytes) {
            long n = uleb();
            if (n < 0 || n * minBytes > b.length - pos) throw new SyncMessageException("count " + n + " exceeds the message");
            return (int) n;
        }

        List<byte[]> hashes() {
            int n = count(HASH);
            List<byte[]> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(Arrays.copyOfRange(b, pos, pos + HASH));
                pos += HASH;
            }
            return out;
        }

        byte[] bytes() {
            long n = uleb();
            if (n < 0 || n > b.length - pos) throw new SyncMessageException("length " + n + " exceeds the message");
            byte[] out = Arrays.copyOfRange(b, pos, pos + (int) n);
            pos += (int) n;
            return out;
        }
    }
}
