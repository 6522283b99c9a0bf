package org.elohim.node.blobs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The list of a blob's chunk hashes, in order, and its total size. Every chunk is
 * {@link #CHUNK_SIZE} bytes except the last (1..CHUNK_SIZE bytes; an empty blob has no chunk).
 * On disk: "ELBM", version 1, size (u64), count (u32), then count × 32-byte SHA-256.
 */
public record Manifest(long size, List<byte[]> chunks) {
    public static final int CHUNK_SIZE = 1 << 20;
    /** Largest blob accepted (64 GiB: a 2 MiB manifest). */
    public static final long MAX_BLOB_BYTES = 64L << 30;
    private static final byte[] MAGIC = {'E', 'L', 'B', 'M'};
    private static final int HEADER = 4 + 1 + 8 + 4;

    public Manifest {
        chunks = List.copyOf(chunks);
        if (size < 0 || size > MAX_BLOB_BYTES) throw new IllegalArgumentException("blob size out of range: " + size);
        if (chunks.size() != chunkCount(size)) {
            throw new IllegalArgumentException("a blob of " + size + " bytes has " + chunkCount(size) + " chunks, not " + chunks.size());
        }
        for (byte[] c : chunks) if (c.length != 32) throw new IllegalArgumentException("a chunk hash is 32 bytes");
    }

    public static int chunkCount(long size) {
        return Math.toIntExact((size + CHUNK_SIZE - 1) / CHUNK_SIZE);
    }

    /** Length of chunk {@code index} in a blob of {@code size} bytes. */
    public static int chunkLength(long size, int index) {
        long start = (long) index * CHUNK_SIZE;
        return (int) Math.min(CHUNK_SIZE, size - start);
    }

    public int chunkLength(int index) {
        return chunkLength(size, index);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(HEADER + 32 * chunks.size());
        b.put(MAGIC).put((byte) 1).putLong(size).putInt(chunks.size());
        for (byte[] c : chunks) b.put(c);
        return b.array();
    }

    public static Manifest decode(byte[] bytes) {
        if (bytes.length < HEADER || !Arrays.equals(Arrays.copyOf(bytes, 4), MAGIC) || bytes[4] != 1) {
            throw new MalformedManifestException("not a blob manifest");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 5, bytes.length - 5);
        long size = b.getLong();
        int count = b.getInt();
        if (size < 0 || size > MAX_BLOB_BYTES || count != chunkCount(size) || b.remaining() != 32L * count) {
            throw new MalformedManifestException("manifest header does not match its length");
        }
        List<byte[]> chunks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] h = new byte[32];
            b.get(h);
            chunks.add(h);
        }
        return new Manifest(size, chunks);
    }

    /** Largest encoded manifest (for decoders' size limits). */
    public static int maxEncodedBytes() {
        return HEADER + 32 * chunkCount(MAX_BLOB_BYTES);
    }

    /** A corrupt or foreign manifest: a typed error, never a crash. */
    public static final class MalformedManifestException extends RuntimeException {
        public MalformedManifestException(String message) {
            super(message);
        }
    }
}
