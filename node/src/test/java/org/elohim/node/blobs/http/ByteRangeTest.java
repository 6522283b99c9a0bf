package org.elohim.node.blobs.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteRangeTest {
    static ByteRange.Parsed p(String h, long size) {
        return ByteRange.parse(h, size);
    }

    static ByteRange.Parsed part(long a, long b) {
        return new ByteRange.Parsed.Partial(new ByteRange(a, b));
    }

    @Test
    void rangesOfRfc9110() {
        assertThat(p("bytes=0-499", 1000)).isEqualTo(part(0, 499));
        assertThat(p("bytes=500-", 1000)).isEqualTo(part(500, 999));
        assertThat(p("bytes=-200", 1000)).isEqualTo(part(800, 999));
        assertThat(p("bytes=-2000", 1000)).isEqualTo(part(0, 999));
        assertThat(p("bytes=900-5000", 1000)).isEqualTo(part(900, 999));
        assertThat(p("BYTES = 1-1", 1000)).isEqualTo(new ByteRange.Parsed.Whole()); // space before '='
        assertThat(p("bytes=1-1", 1000)).isEqualTo(part(1, 1));
    }

    @Test
    void unsatisfiableAndIgnored() {
        assertThat(p("bytes=1000-", 1000)).isInstanceOf(ByteRange.Parsed.Unsatisfiable.class);
        assertThat(p("bytes=-0", 1000)).isInstanceOf(ByteRange.Parsed.Unsatisfiable.class);
        assertThat(p("bytes=0-", 0)).isInstanceOf(ByteRange.Parsed.Unsatisfiable.class);
        for (String ignored : new String[] {null, "", "items=0-1", "bytes=0-1,5-6", "bytes=5-1", "bytes=a-b", "bytes=-",
                "bytes=99999999999999999999-", "bytes=" + "1".repeat(300)}) {
            assertThat(p(ignored, 1000)).as(String.valueOf(ignored)).isInstanceOf(ByteRange.Parsed.Whole.class);
        }
    }
}
