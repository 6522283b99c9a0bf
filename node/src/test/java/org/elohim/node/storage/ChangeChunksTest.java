package org.elohim.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChangeChunksTest {
    private static byte[] changes(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Document d = new Document();
        try {
            for (int i = 0; i < n; i++) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < 50 + rnd.nextInt(500); j++) sb.append((char) ('a' + rnd.nextInt(26)));
                Docs.set(d, "k" + i, sb.toString());
            }
            return d.encodeChangesSince(new ChangeHash[0]);
        } finally {
            d.free();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void parsesHashesAndSplitsAtChunkBoundaries(long seed) {
        byte[] all = changes(30, seed);
        List<ChangeChunks.Chunk> chunks = ChangeChunks.parse(all);
        assertThat(chunks).hasSize(30).allSatisfy(c -> assertThat(c.type()).isEqualTo(ChangeChunks.TYPE_CHANGE));
        // The computed hash of the last change is the document's head.
        Document d = new Document();
        d.applyEncodedChanges(all);
        assertThat(chunks.get(29).hash()).isEqualTo(d.getHeads()[0].getBytes());
        d.free();
        List<byte[]> parts = ChangeChunks.split(all, 2000);
        assertThat(parts.size()).isGreaterThan(1);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            assertThat(ChangeChunks.parse(p)).isNotEmpty();
            joined.writeBytes(p);
        }
        assertThat(joined.toByteArray()).isEqualTo(all);
    }

    @ParameterizedTest
    @ValueSource(longs = {4, 5, 6, 7, 8})
    void anyCorruptionOrTruncationIsNotAChunkSequence(long seed) {
        byte[] all = changes(3, seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] flipped = all.clone();
        int at = rnd.nextInt(all.length);
        flipped[at] ^= (byte) (1 + rnd.nextInt(255));
        assertThat(ChangeChunks.parse(flipped)).as("flip at %d", at).isEmpty();
        byte[] cut = Arrays.copyOf(all, 1 + rnd.nextInt(all.length - 1));
        assertThat(ChangeChunks.parse(cut)).isEmpty();
        assertThat(ChangeChunks.parse(new byte[0])).isEmpty();
    }
}
