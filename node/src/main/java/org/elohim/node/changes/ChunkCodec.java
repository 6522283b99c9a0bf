package org.elohim.node.changes;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Pure decoder of Automerge chunk sequences (magic, checksum, type, uLEB128 length, data), with
 * no Automerge engine: checks every checksum, computes change hashes (SHA-256 over type, length
 * and data), reads a change's header (deps, actor, seq, start op, time, message, other actors,
 * op column layout) and inflates compressed changes (type 2) into their type 1 form under a size
 * limit. A document chunk (type 0) yields its heads only.
 */
public final class ChunkCodec {
    public static final int TYPE_DOCUMENT = 0;
    public static final int TYPE_CHANGE = 1;
    public static final int TYPE_COMPRESSED_CHANGE = 2;
    public static final int HASH_LENGTH = 32;
    private static final byte[] MAGIC = {(byte) 0x85, 0x6f, 0x4a, (byte) 0x83};
    private static final int MAX_LIST = 1 << 20;

    private ChunkCodec() {
    }

    /**
     * Decodes {@code bytes} as a sequence of chunks; a compressed change is inflated, and the total
     * size of inflated data may not exceed {@code maxInflatedBytes}.
     *
     * @throws MalformedChunkException on anything that is not a sequence of valid chunks
     */
    public static List<Chunk> decode(byte[] bytes, long maxInflatedBytes) {
        List<Chunk> out = new ArrayList<>();
        long inflated = 0;
        int pos = 0;
        while (pos < bytes.length) {
            if (bytes.length - pos < 10 || !Arrays.equals(bytes, pos, pos + 4, MAGIC, 0, 4)) {
                throw new MalformedChunkException("no Automerge chunk at offset " + pos);
            }
            int start = pos;
            Leb128.Reader r = new Leb128.Reader(bytes, pos + 8, bytes.length);
            int type = bytes[pos + 8] & 0xff;
            r.skip(1);
            int len = r.length(bytes.length);
            int dataAt = r.skip(len);
            int end = dataAt + len;
            switch (type) {
                case TYPE_CHANGE -> {
                    byte[] hash = sha256(bytes, start + 8, end);
                    checkChecksum(bytes, start, hash);
                    byte[] chunk = Arrays.copyOfRange(bytes, start, end);
                    out.add(new Chunk.Change(hash, readChangeHeader(chunk, dataAt - start, chunk.length), chunk));
                }
                case TYPE_COMPRESSED_CHANGE -> {
                    byte[] body = inflate(bytes, dataAt, len, maxInflatedBytes - inflated);
                    inflated += body.length;
                    byte[] chunk = changeChunk(body);
                    if (!Arrays.equals(chunk, 4, 8, bytes, start + 4, start + 8)) {
                        throw new MalformedChunkException("bad checksum in compressed change at offset " + start);
                    }
                    int bodyAt = chunk.length - body.length;
                    out.add(new Chunk.Change(sha256(chunk, 8, chunk.length),
                            readChangeHeader(chunk, bodyAt, chunk.length), chunk));
                }
                case TYPE_DOCUMENT -> {
                    checkChecksum(bytes, start, sha256(bytes, start + 8, end));
                    out.add(new Chunk.Document(readDocumentHeads(bytes, dataAt, end), Arrays.copyOfRange(bytes, start, end)));
                }
                default -> throw new MalformedChunkException("unsupported chunk type " + type + " at offset " + start);
            }
            pos = end;
        }
        return out;
    }

    /** The type 1 chunk (magic, checksum, type, length, body) of an uncompressed change body. */
    public static byte[] changeChunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 16);
        out.writeBytes(MAGIC);
        out.writeBytes(new byte[4]);
        out.write(TYPE_CHANGE);
        Leb128.writeUleb(out, body.length);
        out.writeBytes(body);
        byte[] chunk = out.toByteArray();
        System.arraycopy(sha256(chunk, 8, chunk.length), 0, chunk, 4, 4);
        return chunk;
    }

    /**
     * Reads a change body far enough to prove its layout: deps, actor, seq, start op (nonzero),
     * time, message, other actors, and op columns whose lengths fit the body. Returns the deps.
     */
    static List<byte[]> readChangeHeader(byte[] b, int from, int to) {
        Leb128.Reader r = new Leb128.Reader(b, from, to);
        int n = r.length(MAX_LIST);
        if ((long) n * HASH_LENGTH > r.remaining()) throw new MalformedChunkException("truncated deps");
        List<byte[]> deps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) deps.add(r.bytes(HASH_LENGTH));
        for (int i = 1; i < n; i++) {
            if (Arrays.compareUnsigned(deps.get(i - 1), deps.get(i)) >= 0) {
                throw new MalformedChunkException("deps not sorted or repeated");
            }
        }
        r.skip(r.length(r.remaining())); // actor
        r.uleb(); // seq
        if (r.uleb() == 0) throw new MalformedChunkException("start op is 0");
        r.sleb(); // time
        r.skip(r.length(r.remaining())); // message
        int others = r.length(MAX_LIST);
        for (int i = 0; i < others; i++) r.skip(r.length(r.remaining()));
        int columns = r.length(MAX_LIST);
        long total = 0;
        for (int i = 0; i < columns; i++) {
            r.uleb();
            total += r.uleb();
        }
        if (total > r.remaining()) throw new MalformedChunkException("op columns exceed the change");
        return deps;
    }

    /** A document chunk starts with its actors, then its heads. */
    static List<byte[]> readDocumentHeads(byte[] b, int from, int to) {
        Leb128.Reader r = new Leb128.Reader(b, from, to);
        int actors = r.length(MAX_LIST);
        for (int i = 0; i < actors; i++) r.skip(r.length(r.remaining()));
        int n = r.length(MAX_LIST);
        List<byte[]> heads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) heads.add(r.bytes(HASH_LENGTH));
        return heads;
    }

    private static byte[] inflate(byte[] b, int from, int len, long limit) {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(b, from, len);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(len * 4, 1 << 20));
            byte[] buf = new byte[64 * 1024];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new MalformedChunkException("truncated compressed change");
                }
                if (out.size() + (long) n > limit) {
                    throw new MalformedChunkException("compressed change inflates beyond " + limit + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new MalformedChunkException("bad compressed change: " + e.getMessage());
        } finally {
            inf.end();
        }
    }

    private static void checkChecksum(byte[] b, int start, byte[] hash) {
        if (!Arrays.equals(hash, 0, 4, b, start + 4, start + 8)) {
            throw new MalformedChunkException("bad checksum at offset " + start);
        }
    }

    public static byte[] sha256(byte[] b, int from, int to) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, from, to - from);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
