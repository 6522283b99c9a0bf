package org.elohim.node.automergesync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte vectors captured from @automerge/automerge 3.5.0 (docs/SYNC-PROTOCOL.md). */
class SyncMessageCodecTest {
    static final HexFormat HEX = HexFormat.of();
    static final byte[] H1 = HEX.parseHex("04e8a31d6f1f95f93d95b579cecb42ce70ca2d6d678a9f28242fe54602e27df9");
    static final byte[] H2 = HEX.parseHex("26299d05cfcc47512a13470c29d6467fc550e3f21f1ef14e9f20b42512af5e7c");
    static final byte[] H3 = HEX.parseHex("252108457734a47b6ddfd2a028d230b7de9d1971666fafea820a306e77236214");

    @Test
    void decodesTheFirstMessageOfAOneChangeDocument() {
        byte[] wire = HEX.parseHex("4201" + HEX.formatHex(H1) + "00" + "0100" + "05010a071ac1" + "00" + "020284");
        SyncMessage m = SyncMessageCodec.decode(wire);
        assertThat(m.type()).isEqualTo(0x42);
        assertThat(m.heads()).containsExactly(H1);
        assertThat(m.need()).isEmpty();
        assertThat(m.have()).singleElement().satisfies(h -> {
            assertThat(h.lastSync()).isEmpty();
            assertThat(h.bloom()).isEqualTo(HEX.parseHex("010a071ac1"));
        });
        assertThat(m.changes()).isEmpty();
        assertThat(m.flags()).isEqualTo(4); // SUPPORTS_SYNC_RESET
        // Our encoding is the same message without the flags trailer (so peers send changes, not documents).
        SyncMessage ours = SyncMessage.v1(m.heads(), m.need(), m.have(), m.changes());
        assertThat(SyncMessageCodec.encode(ours)).isEqualTo(Arrays.copyOf(wire, wire.length - 3));
    }

    @Test
    void decodesARequestAndAnEmptyDocumentAsV2() {
        SyncMessage req = SyncMessageCodec.decode(HEX.parseHex("42000001000000020284"));
        assertThat(req.heads()).isEmpty();
        assertThat(req.have()).singleElement().satisfies(h -> assertThat(h.bloom()).isEmpty());
        SyncMessage v2 = SyncMessageCodec.decode(HEX.parseHex("43000001000001" + "0e" + "856f4a83b81a9544000400000000" + "020284"));
        assertThat(v2.type()).isEqualTo(0x43);
        assertThat(v2.changes()).singleElement().satisfies(c -> assertThat(c).hasSize(14));
    }

    @Test
    void encodesHashListsSorted() {
        SyncMessage m = SyncMessage.v1(List.of(H2, H1), List.of(), List.of(), List.of());
        assertThat(SyncMessageCodec.decode(SyncMessageCodec.encode(m)).heads()).containsExactly(H1, H2);
    }

    @Test
    void rejectsMalformedMessagesWithATypedError() {
        for (String hex : List.of("", "44", "4201", "42ff", "4200000100ff", "420000010000010a01", "42000000000001")) {
            assertThatThrownBy(() -> SyncMessageCodec.decode(HEX.parseHex(hex)))
                    .as(hex).isInstanceOf(SyncMessageException.class);
        }
        // a huge count with few bytes does not allocate: it is refused by the bytes present
        assertThatThrownBy(() -> SyncMessageCodec.decode(HEX.parseHex("42ffffffff0f"))).isInstanceOf(SyncMessageException.class);
    }

    @Test
    void bloomFilterMatchesTheReferenceBytesAndProbes() {
        assertThat(BloomFilter.of(List.of(H1)).encode()).isEqualTo(HEX.parseHex("010a071ac1"));
        assertThat(BloomFilter.of(List.of(H1, H2)).encode()).isEqualTo(HEX.parseHex("020a07e24972"));
        BloomFilter three = BloomFilter.of(List.of(H3, H1, H2)); // order does not matter
        assertThat(three.encode()).isEqualTo(HEX.parseHex("030a0771c16ed4"));
        assertThat(BloomFilter.of(List.of(H1)).probes(H1)).containsExactly(4, 3, 15, 8, 14, 1, 1);
        assertThat(three.probes(H2)).containsExactly(6, 21, 14, 17, 30, 21, 22);
        BloomFilter decoded = BloomFilter.decode(HEX.parseHex("030a0771c16ed4"));
        assertThat(decoded.contains(H1) && decoded.contains(H2) && decoded.contains(H3)).isTrue();
        assertThat(BloomFilter.decode(new byte[0]).contains(H1)).isFalse();
        assertThat(BloomFilter.of(List.of()).encode()).isEmpty();
        assertThatThrownBy(() -> BloomFilter.decode(HEX.parseHex("030a0771c1"))).isInstanceOf(SyncMessageException.class);
    }

    @Test
    void falsePositiveRateIsAboutOnePercent() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        java.util.List<byte[]> in = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            byte[] h = new byte[32];
            r.nextBytes(h);
            in.add(h);
        }
        BloomFilter f = BloomFilter.of(in);
        for (byte[] h : in) assertThat(f.contains(h)).isTrue();
        int fp = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] h = new byte[32];
            r.nextBytes(h);
            if (f.contains(h)) fp++;
        }
        assertThat(fp).isLessThan(400); // 2 %
    }
}
