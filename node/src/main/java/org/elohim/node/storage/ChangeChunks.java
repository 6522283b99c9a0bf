package org.elohim.node.storage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits encoded Automerge bytes into chunks (magic, checksum, type, uLEB128 length, body) without
 * touching Automerge. Used to split large responses at chunk boundaries and to compute the hash of
 * uncompressed change chunks (SHA-256 over type ‖ length ‖ body), which Automerge 0.0.7 does not
 * expose, and to verify chunk checksums (Automerge 0.0.7 silently skips a corrupt or truncated
 * chunk appended to a non-empty document). Automerge still validates the contents.
 */
public final class ChangeChunks {
    public static final int TYPE_DOCUMENT = 0;
    public static final int TYPE_CHANGE = 1;
    public static final int TYPE_COMPRESSED_CHANGE = 2;
    private static final byte[] MAGIC = {(byte) 0x85, 0x6f, 0x4a, (byte) 0x83};

    /** One chunk: its byte range in the input, type, and hash (only for uncompressed changes). */
    public record Chunk(int offset, int length, int type, byte[] hash) {
    }

    private ChangeChunks() {
    }

    /** The chunks of {@code bytes}, or empty if they do not parse as a sequence of chunks. */
    public static List<Chunk> parse(byte[] bytes) {
        List<Chunk> out = new ArrayList<>();
        int pos = 0;
        while (pos < bytes.length) {
            int start = pos;
            if (bytes.length - pos < 10 || !Arrays.equals(bytes, pos, pos + 4, MAGIC, 0, 4)) return List.of();
            pos += 8;
            int type = bytes[pos++] & 0xff;
            int headerStart = pos - 1;
            long len = 0;
            int shift = 0;
            while (true) {
                if (pos >= bytes.length || shift > 35) return List.of();
                int b = bytes[pos++] & 0xff;
                len |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) break;
                shift += 7;
            }
            if (len > bytes.length - pos) return List.of();
            int end = pos + (int) len;
            byte[] hash = null;
            if (type != TYPE_COMPRESSED_CHANGE) {
                // The checksum is the hash's first 4 bytes; Automerge skips a bad chunk silently
                // when the document is not empty, so we check it ourselves.
                byte[] digest = sha256(bytes, headerStart, end);
                if (!Arrays.equals(digest, 0, 4, bytes, start + 4, start + 8)) return List.of();
                if (type == TYPE_CHANGE) hash = digest;
            }
            out.add(new Chunk(start, end - start, type, hash));
            pos = end;
        }
        return out;
    }

    /** Splits into pieces of at most {@code maxBytes} at chunk boundaries (a single larger chunk stays whole). */
    public static List<byte[]> split(byte[] bytes, int maxBytes) {
        if (bytes.length <= maxBytes) return List.of(bytes);
        List<Chunk> chunks = parse(bytes);
        if (chunks.isEmpty()) return List.of(bytes);
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        int to = 0;
        for (Chunk c : chunks) {
            if (to > from && c.offset() + c.length() - from > maxBytes) {
                out.add(Arrays.copyOfRange(bytes, from, to));
                from = to;
            }
            to = c.offset() + c.length();
        }
        if (to > from) out.add(Arrays.copyOfRange(bytes, from, to));
        return out;
    }

    private static byte[] sha256(byte[] b, int from, int to) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, from, to - from);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
