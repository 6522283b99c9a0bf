package org.elohim.node.automergerepo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The leading fields of an Automerge sync message, read without Automerge: the sender's heads
 * and how many changes it carries. Used to tell "the peer has this document" (heads present),
 * to gossip remote heads, and to refuse changes from a read-only peer before they touch a
 * document. Automerge 0.0.7 has no public decoder for this.
 *
 * <p>Layout (V1 0x42 / V2 0x43): heads, need (each uLEB128 count + 32-byte hashes), have
 * (count, each: lastSync hashes + bloom as uLEB128-length bytes), changes (count, each
 * uLEB128-length bytes), then V2 extras we do not need.
 */
public record SyncMessageHeader(int version, List<byte[]> heads, int needCount, int haveCount, int changeCount) {
    private static final int HASH = 32;
    /** A sync message naming more hashes than this is hostile or broken. */
    private static final int MAX_HASHES = 1_000_000;

    public static Optional<SyncMessageHeader> parse(byte[] msg) {
        if (msg == null || msg.length < 1) return Optional.empty();
        int type = msg[0] & 0xff;
        if (type != 0x42 && type != 0x43) return Optional.empty();
        Reader r = new Reader(msg, 1);
        try {
            List<byte[]> heads = r.hashes();
            int need = r.hashes().size();
            long haveCount = r.uleb();
            if (haveCount > MAX_HASHES) return Optional.empty();
            for (long i = 0; i < haveCount; i++) {
                r.hashes();
                r.skip(r.uleb());
            }
            long changes = r.uleb();
            if (changes > MAX_HASHES) return Optional.empty();
            for (long i = 0; i < changes; i++) r.skip(r.uleb());
            return Optional.of(new SyncMessageHeader(type, Collections.unmodifiableList(heads), need,
                    (int) haveCount, (int) changes));
        } catch (IndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    private static final class Reader {
        private final byte[] b;
        private int pos;

        Reader(byte[] b, int pos) {
            this.b = b;
            this.pos = pos;
        }

        long uleb() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int v = b[pos++] & 0xff;
                result |= (long) (v & 0x7f) << shift;
                if ((v & 0x80) == 0) return result;
            }
            throw new IndexOutOfBoundsException("uLEB128 too long");
        }

        List<byte[]> hashes() {
            long n = uleb();
            if (n > MAX_HASHES || n * HASH > b.length - pos) throw new IndexOutOfBoundsException("too many hashes");
            List<byte[]> out = new ArrayList<>((int) n);
            for (int i = 0; i < n; i++) {
                byte[] h = new byte[HASH];
                System.arraycopy(b, pos, h, 0, HASH);
                pos += HASH;
                out.add(h);
            }
            return out;
        }

        void skip(long n) {
            if (n < 0 || n > b.length - pos) throw new IndexOutOfBoundsException("length past the end");
            pos += (int) n;
        }
    }
}
