package org.elohim.p2p.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.SplittableRandom;
import org.elohim.p2p.codec.P2pProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class PeerIdTest {
    static final HexFormat HEX = HexFormat.of();

    @ParameterizedTest
    @CsvSource({
        "0101010101010101010101010101010101010101010101010101010101010101,080112208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c,12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5",
        "1111111111111111111111111111111111111111111111111111111111111111,08011220d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737,12D3KooWPqT2nMDSiXUSx5D7fasaxhxKigVhcqfkKqrLghCq9jxz"})
    void capturedVectors(String seed, String marshalledPub, String id) {
        IdentityKey key = IdentityKey.fromSeed(HEX.parseHex(seed));
        assertThat(HEX.formatHex(key.marshalPublicKey())).isEqualTo(marshalledPub);
        PeerId peer = key.peerId();
        assertThat(peer.toBase58()).isEqualTo(id);
        assertThat(PeerId.parse(id)).isEqualTo(peer);
        assertThat(HEX.formatHex(peer.bytes())).isEqualTo("0024" + marshalledPub);
        assertThat(PeerId.fromBytes(peer.bytes())).isEqualTo(peer).hasSameHashCodeAs(peer);
        assertThat(peer.extractEd25519PublicKey()).hasValueSatisfying(
                raw -> assertThat(HEX.formatHex(raw)).isEqualTo(marshalledPub.substring(8)));
        byte[] sig = key.sign("hi".getBytes());
        assertThat(peer.verify("hi".getBytes(), sig)).isTrue();
        assertThat(peer.verify("ho".getBytes(), sig)).isFalse();
    }

    @Test
    void cidFormRoundTrips() {
        PeerId peer = PeerId.parse("12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5");
        String cid = peer.toCidString();
        assertThat(cid).startsWith("bafzaa");
        assertThat(PeerId.parse(cid)).isEqualTo(peer);
        assertThat(PeerId.parse(cid.toUpperCase().replaceFirst("^B", "B"))).isEqualTo(peer);
    }

    @Test
    void sha256PeerIdsAreAccepted() {
        // A legacy RSA-style id: sha2-256 multihash, base58 "Qm...".
        PeerId qm = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        assertThat(qm.bytes()[0]).isEqualTo((byte) 0x12);
        assertThat(qm.toBase58()).isEqualTo("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        assertThat(qm.extractPublicKey()).isEmpty();
        assertThat(qm.verify(new byte[1], new byte[64])).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "12D3KooW", "12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH6x", "0OIl",
            "bafzaa", "xyz", "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5", "b!!!!"})
    void rejectsInvalidText(String text) {
        assertThatThrownBy(() -> PeerId.parse(text)).isInstanceOf(InvalidPeerIdException.class);
    }

    @Test
    void rejectsInvalidBytes() {
        assertThatThrownBy(() -> PeerId.fromBytes(new byte[0])).isInstanceOf(InvalidPeerIdException.class);
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("0003080112"))).isInstanceOf(InvalidPeerIdException.class);
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("1220aa"))).isInstanceOf(InvalidPeerIdException.class);
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("1320" + "00".repeat(32))))
                .isInstanceOf(InvalidPeerIdException.class);
        // identity multihash whose content is an Ed25519 key of the wrong length
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("0006080112020102")))
                .isInstanceOf(InvalidPeerIdException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {5, 6})
    void fuzzTextAndBytesOnlyTypedErrors(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] good = PeerId.parse("12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5").bytes();
        String goodText = "12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5";
        String alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0Ol/+=";
        for (int i = 0; i < 3000; i++) {
            byte[] b = good.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int f = 0; f < flips; f++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextBoolean()) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 4));
            }
            try {
                PeerId.fromBytes(b);
            } catch (P2pProtocolException expected) {
                // typed
            }
            StringBuilder sb = new StringBuilder(goodText);
            sb.setCharAt(rnd.nextInt(sb.length()), alphabet.charAt(rnd.nextInt(alphabet.length())));
            String t = rnd.nextInt(4) == 0 ? sb.substring(0, rnd.nextInt(sb.length())) : sb.toString();
            try {
                PeerId.parse(rnd.nextBoolean() ? t : "b" + t.toLowerCase());
            } catch (P2pProtocolException expected) {
                // typed
            }
        }
    }
}
