package org.elohim.p2p.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class UvarintTest {

    @ParameterizedTest
    @CsvSource({"0,00", "1,01", "127,7f", "128,8001", "255,ff01", "300,ac02", "16384,808001",
            "420,a403", "9223372036854775807,ffffffffffffffff7f"})
    void encodesMultiformatsVectors(long value, String hex) {
        assertThat(HexFormat.of().formatHex(Uvarint.encode(value))).isEqualTo(hex);
        Uvarint.Decoded d = Uvarint.decode(HexFormat.of().parseHex(hex), 0);
        assertThat(d.value()).isEqualTo(value);
        assertThat(d.length()).isEqualTo(hex.length() / 2);
        ByteBuf buf = Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex + "aa"));
        assertThat(Uvarint.tryRead(buf, Uvarint.MAX_BYTES)).isEqualTo(value);
        assertThat(buf.readableBytes()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 42, 1000})
    void roundTripsSeededRandomValues(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 2000; i++) {
            long v = rnd.nextLong() >>> rnd.nextInt(64);
            v &= Long.MAX_VALUE;
            byte[] enc = Uvarint.encode(v);
            assertThat(enc).hasSize(Uvarint.encodedLength(v));
            assertThat(Uvarint.decode(enc, 0).value()).isEqualTo(v);
        }
    }

    @Test
    void rejectsNonMinimalOverlongAndTruncated() {
        assertThatThrownBy(() -> Uvarint.decode(new byte[] {(byte) 0x80, 0x00}, 0))
                .isInstanceOf(MalformedFrameException.class).hasMessageContaining("minimal");
        assertThatThrownBy(() -> Uvarint.decode(HexFormat.of().parseHex("ffffffffffffffffff01"), 0))
                .isInstanceOf(MalformedFrameException.class).hasMessageContaining("longer");
        assertThatThrownBy(() -> Uvarint.decode(new byte[] {(byte) 0x80}, 0))
                .isInstanceOf(MalformedFrameException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> Uvarint.decode(new byte[] {(byte) 0x80, (byte) 0x80, 1}, 0, 2))
                .isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> Uvarint.encode(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tryReadLeavesBufferUntouchedWhenIncomplete() {
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, (byte) 0x80});
        assertThat(Uvarint.tryRead(buf, 9)).isEqualTo(Uvarint.NEED_MORE);
        assertThat(buf.readerIndex()).isZero();
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13})
    void fuzzOnlyTypedErrors(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 5000; i++) {
            byte[] b = new byte[rnd.nextInt(12)];
            rnd.nextBytes(b);
            try {
                Uvarint.Decoded d = Uvarint.decode(b, 0, 1 + rnd.nextInt(9));
                assertThat(d.value()).isNotNegative();
            } catch (MalformedFrameException expected) {
                // typed
            }
            ByteBuf buf = Unpooled.wrappedBuffer(b);
            try {
                long v = Uvarint.tryRead(buf, 9);
                assertThat(v).isGreaterThanOrEqualTo(-1);
            } catch (MalformedFrameException expected) {
                // typed
            }
        }
    }
}
