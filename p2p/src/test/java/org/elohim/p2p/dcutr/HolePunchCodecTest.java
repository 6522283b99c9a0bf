package org.elohim.p2p.dcutr;

import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.P2pProtocolException;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HolePunchCodecTest {

    @Test
    void connectAndSyncBytes() {
        Multiaddr a = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001");
        // type CONNECT=100 (08 64), ObsAddrs (12 08 047f000001060fa1)
        byte[] connect = HolePunchCodec.encode(new HolePunchMessage.Connect(List.of(a)));
        assertThat(HexFormat.of().formatHex(connect)).isEqualTo("0864" + "1208" + "047f000001060fa1");
        assertThat(HolePunchCodec.decode(connect)).isEqualTo(new HolePunchMessage.Connect(List.of(a)));
        // SYNC=300: 08 ac 02
        assertThat(HexFormat.of().formatHex(HolePunchCodec.encode(new HolePunchMessage.Sync()))).isEqualTo("08ac02");
        assertThat(HolePunchCodec.decode(HexFormat.of().parseHex("08ac02"))).isInstanceOf(HolePunchMessage.Sync.class);
    }

    @Test
    void rejectsMissingOrUnknownTypeTooManyAddrsAndOversize() {
        assertThatThrownBy(() -> HolePunchCodec.decode(new byte[0])).isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> HolePunchCodec.decode(new byte[] {0x08, 0x01})).isInstanceOf(MalformedFrameException.class);
        byte[] addr = HexFormat.of().parseHex("1208047f000001060fa1");
        byte[] many = new byte[2 + addr.length * (HolePunchCodec.MAX_ADDRS + 1)];
        many[0] = 0x08;
        many[1] = 0x64;
        for (int i = 0; i <= HolePunchCodec.MAX_ADDRS; i++) {
            System.arraycopy(addr, 0, many, 2 + i * addr.length, addr.length);
        }
        assertThatThrownBy(() -> HolePunchCodec.decode(many)).isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> HolePunchCodec.decode(new byte[HolePunchCodec.MAX_MESSAGE_BYTES + 1]))
                .isInstanceOf(FrameTooLargeException.class);
    }

    @Test
    void loopbackAndWildcardAreNotDialedUnlessTheRelayIsLocal() {
        List<Multiaddr> offered = List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/22"), Multiaddr.parse("/ip4/0.0.0.0/tcp/1"),
                Multiaddr.parse("/ip4/10.99.0.11/tcp/4001"), Multiaddr.parse("/ip4/1.2.3.4/udp/1/quic-v1"));
        assertThat(DcutrService.dialable(offered, false)).containsExactly(Multiaddr.parse("/ip4/10.99.0.11/tcp/4001"));
        assertThat(DcutrService.dialable(offered, true)).hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15, 16})
    void fuzzFailsOnlyWithTypedErrors(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] valid = HolePunchCodec.encode(new HolePunchMessage.Connect(List.of(
                Multiaddr.parse("/ip4/1.2.3.4/tcp/4001"), Multiaddr.parse("/ip6/::1/tcp/1"))));
        for (int i = 0; i < 3_000; i++) {
            byte[] input;
            if (rnd.nextBoolean()) {
                input = new byte[rnd.nextInt(48)];
                rnd.nextBytes(input);
            } else {
                input = valid.clone();
                for (int m = 0; m < 1 + rnd.nextInt(3); m++) {
                    input[rnd.nextInt(input.length)] = (byte) rnd.nextInt(256);
                }
            }
            try {
                HolePunchMessage m = HolePunchCodec.decode(input);
                assertThat(m).isNotNull();
            } catch (P2pProtocolException expected) {
                // typed rejection
            }
        }
    }
}
