package org.elohim.node.blobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.elohim.node.reach.Reach;

/**
 * One upload in progress. Bytes arrive at increasing offsets; each complete chunk is hashed and
 * stored durably (and recorded, so a later upload of the same blob by the same owner can skip it).
 * Chunks already held may be skipped by jumping to a later chunk boundary. {@link #finish()} checks
 * the whole content against the declared id and size, writes the manifest, then the row: only then
 * does the blob exist. Memory: one chunk buffer.
 */
public final class BlobUpload implements AutoCloseable {
    private final BlobStore store;
    private final String owner;
    private final Optional<BlobId> expected;
    private final long declaredSize; // -1: unknown until finish
    private final String contentType;
    private final Reach reach;
    private final String key;
    private final TreeMap<Integer, byte[]> held;
    private final byte[] buffer = new byte[Manifest.CHUNK_SIZE];
    private int buffered;
    private long position;
    // Valid while every byte since offset 0 went through it (no skipped chunk).
    private MessageDigest whole = BlobId.sha256();
    private boolean finished;
    private boolean created;

    BlobUpload(BlobStore store, String owner, Optional<BlobId> expected, long declaredSize, String contentType,
               Reach reach, String key, TreeMap<Integer, byte[]> held) {
        this.store = store;
        this.owner = owner;
        this.expected = expected;
        this.declaredSize = declaredSize;
        this.contentType = contentType;
        this.reach = reach;
        this.key = key;
        this.held = held;
    }

    /** The next offset expected (bytes before it are stored or held). */
    public long position() {
        return position;
    }

    public Optional<BlobId> expected() {
        return expected;
    }

    public void write(long offset, byte[] data, int off, int len) {
        if (finished) throw malformed("upload already finished");
        if (offset != position) skipTo(offset);
        if (declaredSize >= 0 && position + len > declaredSize) throw malformed("more bytes than the declared size " + declaredSize);
        if (position + len > Manifest.MAX_BLOB_BYTES) {
            throw new BlobRejected(BlobRejected.Reason.TOO_LARGE, "blobs are at most " + Manifest.MAX_BLOB_BYTES + " bytes");
        }
        while (len > 0) {
            int n = Math.min(len, buffer.length - buffered);
            System.arraycopy(data, off, buffer, buffered, n);
            if (whole != null) whole.update(data, off, n);
            buffered += n;
            position += n;
            off += n;
            len -= n;
            if (buffered == buffer.length) storeBufferedChunk();
        }
    }

    /** Jumps over chunks the node already holds for this owner's upload of this blob. */
    private void skipTo(long offset) {
        if (offset < position) throw malformed("offset " + offset + " goes back (expected " + position + ")");
        if (buffered != 0 || offset % Manifest.CHUNK_SIZE != 0) {
            throw malformed("offset " + offset + " skips bytes inside a chunk (expected " + position + ")");
        }
        if (declaredSize < 0 || offset > declaredSize) throw malformed("can skip only within a declared size");
        for (int i = (int) (position / Manifest.CHUNK_SIZE); i < offset / Manifest.CHUNK_SIZE; i++) {
            if (!held.containsKey(i)) throw malformed("offset " + offset + " skips chunk " + i + ", which the node does not hold");
        }
        position = offset;
        whole = null;
    }

    private void storeBufferedChunk() {
        int index = (int) ((position - 1) / Manifest.CHUNK_SIZE);
        MessageDigest d = BlobId.sha256();
        d.update(buffer, 0, buffered);
        byte[] hash = d.digest();
        store.storeChunk(owner, key, index, hash, buffer, buffered);
        held.put(index, hash);
        buffered = 0;
    }

    /** Verifies and commits the blob; durable when this returns. */
    public BlobInfo finish() {
        if (finished) throw malformed("upload already finished");
        try {
            if (buffered > 0) storeBufferedChunk();
            long size = declaredSize >= 0 ? declaredSize : position;
            int count = Manifest.chunkCount(size);
            if (position < size && position % Manifest.CHUNK_SIZE != 0) {
                throw new BlobRejected(BlobRejected.Reason.INCOMPLETE, "upload ended at " + position + " of " + size + " bytes");
            }
            List<byte[]> chunks = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] h = held.get(i);
                if (h == null) {
                    throw new BlobRejected(BlobRejected.Reason.INCOMPLETE, "chunk " + i + " of " + count + " was never sent");
                }
                chunks.add(h);
            }
            if (held.size() > count && held.lastKey() >= count) {
                throw malformed("chunks beyond the declared size");
            }
            Manifest manifest = new Manifest(size, chunks);
            BlobId id = BlobId.of(whole != null && position == size ? whole.digest() : store.digestOf(manifest));
            if (expected.isPresent() && !expected.get().equals(id)) {
                store.abandon(owner, key);
                throw new BlobRejected(BlobRejected.Reason.HASH_MISMATCH, "content hashes to " + id + ", not "
                        + expected.get());
            }
            BlobStore.Committed c = store.commit(id, manifest, owner, reach, contentType, key);
            finished = true;
            created = c.created();
            return c.info();
        } catch (RuntimeException e) {
            finished = true;
            if (expected.isEmpty()) store.abandon(owner, key);
            throw e;
        }
    }

    /** After {@link #finish()}: false if this owner already held exactly this blob. */
    public boolean created() {
        return created;
    }

    /** Ends an unfinished upload; what is stored stays for a resume when the blob id was declared. */
    @Override
    public void close() {
        if (finished) return;
        finished = true;
        if (expected.isEmpty()) store.abandon(owner, key);
    }

    private static BlobRejected malformed(String message) {
        return new BlobRejected(BlobRejected.Reason.MALFORMED, message);
    }

    /** SHA-256 of the concatenated chunks, read back from disk (after a resumed upload). */
    static byte[] digestChunks(BlobFiles files, Manifest m) {
        MessageDigest d = BlobId.sha256();
        ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
        for (byte[] h : m.chunks()) {
            try (FileChannel ch = files.openChunk(h)) {
                buf.clear();
                while (ch.read(buf) >= 0) {
                    buf.flip();
                    d.update(buf);
                    buf.clear();
                }
            } catch (IOException e) {
                throw new BlobRejected(BlobRejected.Reason.INCOMPLETE, "a chunk of the upload is missing: " + e.getMessage());
            }
        }
        return d.digest();
    }
}
