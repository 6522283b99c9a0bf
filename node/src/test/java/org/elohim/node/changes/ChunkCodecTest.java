package org.elohim.node.changes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/** Byte vectors from Automerge 3.5.0 (see docs/SYNC-PROTOCOL.md, Change graph). */
class ChunkCodecTest {
    static final HexFormat HEX = HexFormat.of();
    /** Actor aaaaaaaa, d.x = 1, time 0. */
    static final byte[] TINY = HEX.parseHex("856f4a83e8c5e71c012300" + "04aaaaaaaa" + "0101000000"
            + "06150334014202560257017002" + "7f0178017f017f14017f00");
    static final byte[] TINY_HASH = HEX.parseHex("e8c5e71c9181b743aabebd8d6bf776395706d00cb11e36618182421a8cdb2e21");
    /** seq 2 of the same actor, time 1700000000, message "hi". */
    static final byte[] DEPENDENT = HEX.parseHex("856f4a83c08deec7016001e8c5e71c9181b743aabebd8d6bf776395706d00cb11e"
            + "36618182421a8cdb2e2104aaaaaaaa020280e2cfaa06026869000901040204130415053402420356035701700200017f0000017f"
            + "0200017f007f0179000101017e04017e00167a0200");
    static final byte[] DEPENDENT_HASH = HEX.parseHex("c08deec76993985f957ef770525841a9f16993fb0b540d962398667b7e5ee59f");
    static final byte[] EMPTY_DOC = HEX.parseHex("856f4a83b81a95440004" + "00000000");

    @Test
    void decodesChangesWithHashAndDeps() {
        List<Chunk> chunks = ChunkCodec.decode(concat(TINY, DEPENDENT), 1 << 20);
        assertThat(chunks).hasSize(2);
        Chunk.Change a = (Chunk.Change) chunks.get(0);
        Chunk.Change b = (Chunk.Change) chunks.get(1);
        assertThat(a.hash()).isEqualTo(TINY_HASH);
        assertThat(a.deps()).isEmpty();
        assertThat(a.bytes()).isEqualTo(TINY);
        assertThat(b.hash()).isEqualTo(DEPENDENT_HASH);
        assertThat(b.deps()).containsExactly(TINY_HASH);
    }

    @Test
    void documentChunkYieldsItsHeads() {
        Chunk.Document d = (Chunk.Document) ChunkCodec.decode(EMPTY_DOC, 100).get(0);
        assertThat(d.heads()).isEmpty();
        assertThat(d.bytes()).isEqualTo(EMPTY_DOC);
    }

    @Test
    void compressedChangeInflatesToTheSameHashAndBytes() {
        byte[] body = Arrays.copyOfRange(DEPENDENT, 10, DEPENDENT.length); // after magic, checksum, type, len(0x60)
        byte[] compressed = compressedChunk(body, Arrays.copyOfRange(DEPENDENT, 4, 8));
        Chunk.Change c = (Chunk.Change) ChunkCodec.decode(compressed, 1 << 20).get(0);
        assertThat(c.hash()).isEqualTo(DEPENDENT_HASH);
        assertThat(c.bytes()).isEqualTo(DEPENDENT);
        assertThatThrownBy(() -> ChunkCodec.decode(compressed, 50)).isInstanceOf(MalformedChunkException.class)
                .hasMessageContaining("inflates beyond");
    }

    @Test
    void rejectsBadChecksumTruncationUnknownTypeAndBadHeaders() {
        byte[] bad = TINY.clone();
        bad[bad.length - 1] ^= 1;
        assertThatThrownBy(() -> ChunkCodec.decode(bad, 100)).isInstanceOf(MalformedChunkException.class)
                .hasMessageContaining("checksum");
        assertThatThrownBy(() -> ChunkCodec.decode(Arrays.copyOf(TINY, TINY.length - 1), 100))
                .isInstanceOf(MalformedChunkException.class);
        byte[] bundle = TINY.clone();
        bundle[8] = 3;
        assertThatThrownBy(() -> ChunkCodec.decode(bundle, 100)).hasMessageContaining("type 3");
        assertThatThrownBy(() -> ChunkCodec.decode(new byte[] {1, 2, 3}, 100)).isInstanceOf(MalformedChunkException.class);
        // Well framed, correct checksum, but the header lies: start op 0.
        byte[] body = Arrays.copyOfRange(TINY, 10, TINY.length);
        body[7] = 0; // deps 0, actor (1+4), seq, startOp
        assertThatThrownBy(() -> ChunkCodec.decode(ChunkCodec.changeChunk(body), 100)).hasMessageContaining("start op");
        // Op columns longer than the change.
        byte[] cols = Arrays.copyOfRange(TINY, 10, TINY.length);
        cols[13] = 0x7f;
        assertThatThrownBy(() -> ChunkCodec.decode(ChunkCodec.changeChunk(cols), 100)).hasMessageContaining("columns");
    }

    @Test
    void changeChunkOfABodyMatchesTheEngine() {
        assertThat(ChunkCodec.changeChunk(Arrays.copyOfRange(TINY, 10, TINY.length))).isEqualTo(TINY);
    }

    static byte[] compressedChunk(byte[] body, byte[] checksum) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(body);
        d.finish();
        byte[] buf = new byte[body.length * 2 + 64];
        int n = d.deflate(buf);
        d.end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x85, 0x6f, 0x4a, (byte) 0x83});
        out.writeBytes(checksum);
        out.write(2);
        Leb128.writeUleb(out, n);
        out.write(buf, 0, n);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
