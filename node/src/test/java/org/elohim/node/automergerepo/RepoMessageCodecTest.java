package org.elohim.node.automergerepo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.elohim.node.automergerepo.RepoMessage.Ephemeral;
import org.elohim.node.automergerepo.RepoMessage.HeadsAt;
import org.elohim.node.automergerepo.RepoMessage.Join;
import org.elohim.node.automergerepo.RepoMessage.RemoteHeadsChanged;
import org.elohim.node.automergerepo.RepoMessage.RemoteSubscriptionChange;
import org.elohim.node.automergerepo.RepoMessage.Sync;
import org.elohim.node.automergerepo.RepoProtocolException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RepoMessageCodecTest {
    private final RepoMessageCodec codec = new RepoMessageCodec(1 << 20);
    private static final ObjectMapper CBOR = new CBORMapper();

    static Stream<GoldenFrames.Frame> frames() {
        return GoldenFrames.load().stream();
    }

    @Test
    void goldenFileHasEveryMessageType() {
        assertThat(GoldenFrames.load()).extracting(GoldenFrames.Frame::type).contains("join", "peer", "sync",
                "request", "doc-unavailable", "ephemeral", "remote-subscription-change", "error");
        assertThat(GoldenFrames.load()).hasSizeGreaterThan(20);
    }

    @ParameterizedTest
    @MethodSource("frames")
    void goldenFrameDecodesAndReencodesToTheSameContent(GoldenFrames.Frame frame) throws Exception {
        RepoMessage m = codec.decode(frame.bytes());
        assertThat(m.type()).isEqualTo(frame.type());
        assertThat(m).isNotInstanceOf(RepoMessage.Unknown.class);
        byte[] again = codec.encode(m);
        assertThat(normalized(again)).isEqualTo(normalized(frame.bytes()));
        assertThat(codec.encode(codec.decode(again))).isEqualTo(again);
    }

    @Test
    void joinWithUndefinedStorageIdReadsAsAbsent() throws Exception {
        // frame #7: peerMetadata.storageId is CBOR undefined (f7)
        GoldenFrames.Frame f = GoldenFrames.load().stream().filter(x -> x.number() == 7).findFirst().orElseThrow();
        Join j = (Join) codec.decode(f.bytes());
        assertThat(j.senderId()).isEqualTo("client-B");
        assertThat(j.peerMetadata()).isEqualTo(new RepoMessage.PeerMetadata(null, true));
        assertThat(j.supportedProtocolVersions()).containsExactly("1");
    }

    @Test
    void syncFieldsAreDecoded() throws Exception {
        GoldenFrames.Frame f = GoldenFrames.load().stream().filter(x -> x.number() == 3).findFirst().orElseThrow();
        Sync s = (Sync) codec.decode(f.bytes());
        assertThat(s.senderId()).isEqualTo("client-A");
        assertThat(s.targetId()).isEqualTo("sync-server-test");
        assertThat(s.documentId()).isEqualTo("254ngrQD6xjkvG8LwAsMRBVrtEu");
        assertThat(HexFormat.of().formatHex(s.data())).startsWith("4201b5801097");
        assertThat(s.data()).hasSize(48);
    }

    @Test
    void ephemeralAndSubscriptionChangeAreDecoded() throws Exception {
        Ephemeral e = (Ephemeral) codec.decode(GoldenFrames.load().stream().filter(x -> x.number() == 24)
                .findFirst().orElseThrow().bytes());
        assertThat(e.count()).isEqualTo(1);
        assertThat(e.sessionId()).isEqualTo("rcpfkwzgao");
        RemoteSubscriptionChange r = (RemoteSubscriptionChange) codec.decode(GoldenFrames.load().stream()
                .filter(x -> x.number() == 12).findFirst().orElseThrow().bytes());
        assertThat(r.add()).containsExactly("8ca7bcd6-c564-476f-ade2-76b5ff2d2aa6");
        assertThat(r.remove()).isNull();
    }

    @Test
    void largeTimestampsAreWrittenAsFloat64() throws Exception {
        RemoteHeadsChanged m = new RemoteHeadsChanged("s", "t", "254ngrQD6xjkvG8LwAsMRBVrtEu",
                Map.of("storage", new HeadsAt(List.of("2qAANMVf"), 1795502390580L)));
        byte[] bytes = codec.encode(m);
        // 0xfb = float64 major type 7; 1795502390580.0 as IEEE-754 big-endian
        assertThat(HexFormat.of().formatHex(bytes)).contains("fb" + Long.toHexString(Double.doubleToLongBits(1795502390580.0)));
        RemoteHeadsChanged back = (RemoteHeadsChanged) codec.decode(bytes);
        assertThat(back.newHeads().get("storage").timestamp()).isEqualTo(1795502390580L);
    }

    @Test
    void unknownTypesAreReturnedAsUnknown() throws Exception {
        byte[] bytes = CBOR.writeValueAsBytes(Map.of("type", "future-thing", "senderId", "x", "whatever", 3));
        assertThat(codec.decode(bytes)).isEqualTo(new RepoMessage.Unknown("future-thing", "x"));
    }

    @Test
    void oversizedFrameIsRejectedBeforeParsing() {
        RepoMessageCodec small = new RepoMessageCodec(64);
        assertThatThrownBy(() -> small.decode(new byte[65])).isInstanceOf(RepoProtocolException.class)
                .extracting(e -> ((RepoProtocolException) e).reason()).isEqualTo(Reason.TOO_LARGE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ff", "b9", "b9000564", "a1617401", "1b", "a16474797065", "a0a0", "5f41"})
    void malformedCborIsATypedError(String hex) {
        assertThatThrownBy(() -> codec.decode(HexFormat.of().parseHex(hex)))
                .isInstanceOf(RepoProtocolException.class)
                .satisfies(e -> assertThat(((RepoProtocolException) e).reason())
                        .isIn(Reason.MALFORMED_CBOR, Reason.INVALID_MESSAGE));
    }

    @Test
    void wellFormedButInvalidMessagesAreTyped() throws Exception {
        for (Object bad : List.of(List.of(1, 2), Map.of("senderId", "x"), Map.of("type", 7),
                Map.of("type", "sync", "senderId", "x", "documentId", "d"),
                Map.of("type", "sync", "senderId", "x", "documentId", "d", "data", "not-bytes"),
                Map.of("type", "join", "supportedProtocolVersions", List.of("1")))) {
            assertThatThrownBy(() -> codec.decode(CBOR.writeValueAsBytes(bad)))
                    .isInstanceOf(RepoProtocolException.class)
                    .extracting(e -> ((RepoProtocolException) e).reason()).isEqualTo(Reason.INVALID_MESSAGE);
        }
    }

    @Test
    void deepNestingIsRejected() {
        StringBuilder hex = new StringBuilder("a2647479706564736f6d656178");
        for (int i = 0; i < 200; i++) hex.append("81");
        hex.append("00");
        assertThatThrownBy(() -> codec.decode(HexFormat.of().parseHex(hex.toString())))
                .isInstanceOf(RepoProtocolException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomBytesNeverEscapeAsAnythingButTypedErrors(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<GoldenFrames.Frame> frames = GoldenFrames.load();
        for (int i = 0; i < 500; i++) {
            byte[] b = frames.get(r.nextInt(frames.size())).bytes().clone();
            int flips = 1 + r.nextInt(4);
            for (int k = 0; k < flips; k++) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            if (r.nextBoolean()) b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
            try {
                codec.decode(b);
            } catch (RepoProtocolException expected) {
                assertThat(expected.reason()).isNotNull();
            }
        }
    }

    /** Frame content as a generic tree, byte strings as hex, numbers as doubles: order-insensitive equality. */
    private static Object normalized(byte[] cbor) throws Exception {
        return normalize(CBOR.readValue(cbor, Object.class));
    }

    private static Object normalize(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> {
                if (val != null) out.put(String.valueOf(k), normalize(val));
            });
            return new java.util.TreeMap<>(out);
        }
        if (v instanceof List<?> l) return l.stream().map(RepoMessageCodecTest::normalize).toList();
        if (v instanceof byte[] b) return "bytes:" + HexFormat.of().formatHex(b);
        if (v instanceof Number n) return n.doubleValue();
        return v;
    }
}
