package org.elohim.node.blobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads a stored blob at any offset, one chunk file open at a time: memory is the caller's buffer,
 * whatever the blob's size. Not thread-safe; one reader per transfer.
 */
public final class BlobReader implements AutoCloseable {
    private final BlobFiles files;
    private final BlobInfo info;
    private final Manifest manifest;
    private FileChannel open;
    private int openIndex = -1;

    BlobReader(BlobFiles files, BlobInfo info, Manifest manifest) {
        this.files = files;
        this.info = info;
        this.manifest = manifest;
    }

    public BlobInfo info() {
        return info;
    }

    public long size() {
        return manifest.size();
    }

    public Manifest manifest() {
        return manifest;
    }

    /** Reads from {@code position} into {@code dst} (at most to the end of one chunk); -1 at the end. */
    public int read(long position, ByteBuffer dst) throws IOException {
        if (position < 0) throw new IllegalArgumentException("negative position");
        if (position >= manifest.size()) return -1;
        int index = (int) (position / Manifest.CHUNK_SIZE);
        int within = (int) (position % Manifest.CHUNK_SIZE);
        int n = Math.min(dst.remaining(), manifest.chunkLength(index) - within);
        FileChannel ch = channel(index);
        ByteBuffer slice = dst.slice();
        slice.limit(n);
        int total = 0;
        while (total < n) {
            int r = ch.read(slice, within + total);
            if (r < 0) throw new IOException("chunk " + index + " of " + info.id() + " is shorter than its manifest says");
            total += r;
        }
        dst.position(dst.position() + total);
        return total;
    }

    /** The whole bytes of chunk {@code index} (for shard transfers, which move chunks whole). */
    public byte[] chunk(int index) throws IOException {
        byte[] out = new byte[manifest.chunkLength(index)];
        ByteBuffer b = ByteBuffer.wrap(out);
        long pos = (long) index * Manifest.CHUNK_SIZE;
        while (b.hasRemaining()) pos += read(pos, b);
        return out;
    }

    private FileChannel channel(int index) throws IOException {
        if (index != openIndex) {
            closeChannel();
            open = files.openChunk(manifest.chunks().get(index));
            openIndex = index;
        }
        return open;
    }

    /** {@code length} bytes from {@code offset} (clamped to the end) as a stream; closing it closes this reader. */
    public InputStream stream(long offset, long length) {
        return new InputStream() {
            long pos = offset;
            final long end = Math.min(manifest.size(), offset + length);

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= end) return -1;
                ByteBuffer dst = ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos));
                int n = BlobReader.this.read(pos, dst);
                if (n > 0) pos += n;
                return n;
            }

            @Override
            public void close() {
                BlobReader.this.close();
            }
        };
    }

    private void closeChannel() {
        if (open != null) {
            try {
                open.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                open = null;
                openIndex = -1;
            }
        }
    }

    @Override
    public void close() {
        closeChannel();
    }
}
