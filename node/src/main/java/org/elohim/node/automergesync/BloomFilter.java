package org.elohim.node.automergesync;

import java.io.ByteArrayOutputStream;
import java.util.Collection;

/**
 * The Automerge sync Bloom filter: 10 bits per entry, 7 probes, probes derived from the first
 * 12 bytes of a change hash (three little-endian unsigned 32-bit words). Serialized as uLEB128
 * entries, bits per entry, probes, then the bit bytes; an empty filter is zero bytes. A decoded
 * filter uses the parameters it carries.
 */
public final class BloomFilter {
    private static final int BITS_PER_ENTRY = 10;
    private static final int PROBES = 7;
    /** Filters larger than this are refused (a filter of 1M entries is 1.25 MB). */
    private static final long MAX_BITS = 64L * 1024 * 1024;
    private final int entries;
    private final int bitsPerEntry;
    private final int probes;
    private final byte[] bits;

    private BloomFilter(int entries, int bitsPerEntry, int probes, byte[] bits) {
        this.entries = entries;
        this.bitsPerEntry = bitsPerEntry;
        this.probes = probes;
        this.bits = bits;
    }

    public static BloomFilter of(Collection<byte[]> hashes) {
        int n = hashes.size();
        BloomFilter f = new BloomFilter(n, BITS_PER_ENTRY, PROBES, new byte[byteLength(n, BITS_PER_ENTRY)]);
        for (byte[] h : hashes) f.add(h);
        return f;
    }

    private static int byteLength(long entries, long bitsPerEntry) {
        long bitCount = entries * bitsPerEntry;
        if (bitCount > MAX_BITS) throw new SyncMessageException("bloom filter too large");
        return (int) ((bitCount + 7) / 8);
    }

    public static BloomFilter decode(byte[] b) {
        if (b.length == 0) return new BloomFilter(0, BITS_PER_ENTRY, PROBES, new byte[0]);
        int[] pos = {0};
        long n = uleb(b, pos);
        long bpe = uleb(b, pos);
        long k = uleb(b, pos);
        if (n > Integer.MAX_VALUE || bpe > 64 || k > 64) throw new SyncMessageException("bad bloom filter parameters");
        int len = byteLength(n, bpe);
        if (b.length - pos[0] != len) throw new SyncMessageException("bloom filter has " + (b.length - pos[0])
                + " bit bytes, expected " + len);
        byte[] bits = java.util.Arrays.copyOfRange(b, pos[0], b.length);
        return new BloomFilter((int) n, (int) bpe, (int) k, bits);
    }

    public byte[] encode() {
        if (entries == 0) return new byte[0];
        ByteArrayOutputStream out = new ByteArrayOutputStream(bits.length + 6);
        SyncMessageCodec.uleb(out, entries);
        SyncMessageCodec.uleb(out, bitsPerEntry);
        SyncMessageCodec.uleb(out, probes);
        out.writeBytes(bits);
        return out.toByteArray();
    }

    public boolean contains(byte[] hash) {
        if (entries == 0 || bits.length == 0) return false;
        for (long p : probes(hash)) {
            if ((bits[(int) (p >>> 3)] & (1 << (p & 7))) == 0) return false;
        }
        return true;
    }

    private void add(byte[] hash) {
        if (bits.length == 0) return;
        for (long p : probes(hash)) bits[(int) (p >>> 3)] |= (byte) (1 << (p & 7));
    }

    long[] probes(byte[] hash) {
        long modulo = 8L * bits.length;
        long x = word(hash, 0) % modulo;
        long y = word(hash, 4) % modulo;
        long z = word(hash, 8) % modulo;
        long[] out = new long[probes];
        if (probes == 0) return out;
        out[0] = x;
        for (int i = 1; i < probes; i++) {
            x = (x + y) % modulo;
            y = (y + z) % modulo;
            out[i] = x;
        }
        return out;
    }

    private static long word(byte[] h, int off) {
        return Integer.toUnsignedLong((h[off] & 0xff) | (h[off + 1] & 0xff) << 8 | (h[off + 2] & 0xff) << 16
                | (h[off + 3] & 0xff) << 24);
    }

    private static long uleb(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            if (pos[0] >= b.length || shift > 63) throw new SyncMessageException("truncated bloom filter");
            int x = b[pos[0]++] & 0xff;
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) return v;
        }
    }
}
