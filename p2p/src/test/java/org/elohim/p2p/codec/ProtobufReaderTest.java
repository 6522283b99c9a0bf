package org.elohim.p2p.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class ProtobufReaderTest {

    @Test
    void readsWhatWriterWritesAndSkipsUnknownFields() {
        byte[] bytes = new ProtobufWriter().varint(1, 1).bytes(2, new byte[] {9, 9}).string(7, "x").toByteArray();
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("0801120209093a0178");
        ProtobufReader r = new ProtobufReader(bytes);
        assertThat(r.readTag()).isEqualTo(1);
        assertThat(r.readVarint()).isEqualTo(1);
        assertThat(r.readTag()).isEqualTo(2);
        assertThat(r.readBytes()).containsExactly(9, 9);
        assertThat(r.readTag()).isEqualTo(7);
        r.skip();
        assertThat(r.hasMore()).isFalse();
    }

    @Test
    void rejectsTruncationAndWrongWireTypes() {
        assertThatThrownBy(() -> {
            ProtobufReader r = new ProtobufReader(HexFormat.of().parseHex("1205aa"));
            r.readTag();
            r.readBytes();
        }).isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> {
            ProtobufReader r = new ProtobufReader(HexFormat.of().parseHex("0801"));
            r.readTag();
            r.readBytes();
        }).isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> new ProtobufReader(HexFormat.of().parseHex("0b")).readTag())
                .isInstanceOf(MalformedFrameException.class);
    }

    @Test
    void fuzzOnlyTypedErrors() {
        SplittableRandom rnd = new SplittableRandom(99);
        for (int i = 0; i < 5000; i++) {
            byte[] b = new byte[rnd.nextInt(30)];
            rnd.nextBytes(b);
            try {
                ProtobufReader r = new ProtobufReader(b);
                int guard = 0;
                while (r.hasMore() && guard++ < 100) {
                    r.readTag();
                    r.skip();
                }
            } catch (MalformedFrameException expected) {
                // typed
            }
        }
    }
}
