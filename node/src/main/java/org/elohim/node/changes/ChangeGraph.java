package org.elohim.node.changes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;

/**
 * The applied changes of one document as a compact graph: change i (in application order, so
 * every change comes after its deps) has a 32-byte hash and dep indices. Hash lookup is an
 * open-addressing table over the packed hashes; a 20,000-change document takes about 1 MB.
 * Answers "is this hash known", heads, ancestors and "changes since these heads" without the CRDT
 * engine. Not thread-safe: one owner (the document's shard) reads and appends.
 */
public final class ChangeGraph {
    private static final int H = ChunkCodec.HASH_LENGTH;
    private byte[] hashes = new byte[16 * H];
    private int[] depStart = new int[17];
    private int[] deps = new int[16];
    private int depCount;
    private int size;
    private int[] table = new int[32]; // index + 1, 0 = empty
    private BitSet hasDependent = new BitSet();

    public int size() {
        return size;
    }

    /** Approximate heap bytes held (for the cache's budget). */
    public long footprint() {
        return hashes.length + 4L * (depStart.length + deps.length + table.length) + hasDependent.size() / 8 + 64;
    }

    /** Index of {@code hash}, or -1 if it is not an applied change. */
    public int indexOf(byte[] hash) {
        if (hash == null || hash.length != H) return -1;
        int mask = table.length - 1;
        for (int s = slot(hash, 0) & mask; ; s = (s + 1) & mask) {
            int v = table[s];
            if (v == 0) return -1;
            if (Arrays.equals(hashes, (v - 1) * H, v * H, hash, 0, H)) return v - 1;
        }
    }

    public boolean contains(byte[] hash) {
        return indexOf(hash) >= 0;
    }

    public boolean containsAll(Collection<byte[]> hs) {
        for (byte[] h : hs) if (indexOf(h) < 0) return false;
        return true;
    }

    public byte[] hash(int i) {
        return Arrays.copyOfRange(hashes, i * H, (i + 1) * H);
    }

    public int[] depsOf(int i) {
        return Arrays.copyOfRange(deps, depStart[i], depStart[i + 1]);
    }

    /**
     * Appends a change whose deps are all present (the caller checks with {@link #missingDeps}).
     * A known hash is not added twice; returns its index either way.
     */
    public int add(byte[] hash, List<byte[]> depHashes) {
        int known = indexOf(hash);
        if (known >= 0) return known;
        int[] d = new int[depHashes.size()];
        for (int k = 0; k < d.length; k++) {
            d[k] = indexOf(depHashes.get(k));
            if (d[k] < 0) throw new IllegalArgumentException("dependency not in the graph");
        }
        if ((size + 1) * H > hashes.length) hashes = Arrays.copyOf(hashes, hashes.length * 2);
        if (size + 2 > depStart.length) depStart = Arrays.copyOf(depStart, depStart.length * 2);
        if (depCount + d.length > deps.length) deps = Arrays.copyOf(deps, Math.max(deps.length * 2, depCount + d.length));
        System.arraycopy(hash, 0, hashes, size * H, H);
        System.arraycopy(d, 0, deps, depCount, d.length);
        depCount += d.length;
        for (int x : d) hasDependent.set(x);
        int i = size++;
        depStart[size] = depCount;
        if (size * 2 > table.length) rehash(table.length * 2);
        else insert(i);
        return i;
    }

    /** Deps of a change that are not applied changes. */
    public List<byte[]> missingDeps(List<byte[]> depHashes) {
        List<byte[]> out = new ArrayList<>();
        for (byte[] d : depHashes) if (indexOf(d) < 0) out.add(d);
        return out;
    }

    /** Current heads (changes nobody depends on), sorted by bytes. */
    public List<byte[]> heads() {
        List<byte[]> out = new ArrayList<>();
        for (int i = hasDependent.nextClearBit(0); i < size; i = hasDependent.nextClearBit(i + 1)) out.add(hash(i));
        out.sort(Arrays::compareUnsigned);
        return out;
    }

    /** Ancestors-or-self of the given indices. */
    public BitSet ancestors(int[] from) {
        BitSet seen = new BitSet(size);
        int[] stack = new int[Math.max(16, from.length)];
        int top = 0;
        for (int f : from) {
            if (f >= 0 && !seen.get(f)) {
                seen.set(f);
                if (top == stack.length) stack = Arrays.copyOf(stack, top * 2);
                stack[top++] = f;
            }
        }
        while (top > 0) {
            int c = stack[--top];
            for (int k = depStart[c]; k < depStart[c + 1]; k++) {
                int d = deps[k];
                if (!seen.get(d)) {
                    seen.set(d);
                    if (top == stack.length) stack = Arrays.copyOf(stack, top * 2);
                    stack[top++] = d;
                }
            }
        }
        return seen;
    }

    /** Indices (in application order) of changes that are not ancestors-or-self of the known hashes among {@code have}. */
    public int[] since(Collection<byte[]> have) {
        int[] idx = have.stream().mapToInt(this::indexOf).filter(i -> i >= 0).toArray();
        BitSet anc = ancestors(idx);
        int[] out = new int[size - anc.cardinality()];
        int k = 0;
        for (int i = anc.nextClearBit(0); i < size; i = anc.nextClearBit(i + 1)) out[k++] = i;
        return out;
    }

    private void rehash(int capacity) {
        table = new int[capacity];
        for (int i = 0; i < size; i++) insert(i);
    }

    private void insert(int i) {
        int mask = table.length - 1;
        int s = slot(hashes, i * H) & mask;
        while (table[s] != 0) s = (s + 1) & mask;
        table[s] = i + 1;
    }

    private static int slot(byte[] b, int off) {
        // Hashes are SHA-256 outputs: any four bytes are uniformly distributed.
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
