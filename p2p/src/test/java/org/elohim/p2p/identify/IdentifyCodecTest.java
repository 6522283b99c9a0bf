package org.elohim.p2p.identify;

import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.P2pProtocolException;
import org.elohim.p2p.codec.ProtobufWriter;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.PeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdentifyCodecTest {

    private static final HexFormat HEX = HexFormat.of();

    /** The dialer's identify message from libp2p-captures/handshake.txt, in js's field order (5, 6, 1, 2, 4, 3...). */
    static byte[] jsMessage() {
        return new ProtobufWriter()
                .string(5, "ipfs/0.1.0")
                .string(6, "js-libp2p/3.3.11 node/20.20.2")
                .bytes(1, HEX.parseHex("08011220d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737"))
                .bytes(2, HEX.parseHex("047f000001069d33"))
                .bytes(4, HEX.parseHex("047f00000106913ba503260024080112208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"))
                .string(3, "/ipfs/id/1.0.0")
                .string(3, "/ipfs/id/push/1.0.0")
                .string(3, "/ipfs/ping/1.0.0")
                .bytes(8, new byte[]{1, 2, 3})
                .toByteArray();
    }

    @Test
    void decodesTheJsMessage() {
        IdentifyMessage m = IdentifyCodec.decode(jsMessage());
        assertThat(m.protocolVersion()).contains("ipfs/0.1.0");
        assertThat(m.agentVersion()).contains("js-libp2p/3.3.11 node/20.20.2");
        assertThat(PeerId.fromPublicKey(m.publicKey().orElseThrow()).toBase58())
                .isEqualTo("12D3KooWPqT2nMDSiXUSx5D7fasaxhxKigVhcqfkKqrLghCq9jxz");
        assertThat(m.listenAddrs()).containsExactly(Multiaddr.parse("/ip4/127.0.0.1/tcp/40243"));
        assertThat(m.observedAddr().orElseThrow().toString())
                .isEqualTo("/ip4/127.0.0.1/tcp/37179/p2p/12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5");
        assertThat(m.protocols()).containsExactly("/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0");
        assertThat(m.signedPeerRecord()).isPresent();
    }

    @Test
    void roundTrips() {
        IdentifyMessage m = new IdentifyMessage(Optional.of("ipfs/0.1.0"), Optional.of("elohim-node/0.1.0"),
                Optional.of(HEX.parseHex("080112208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c")),
                List.of(Multiaddr.parse("/ip4/10.0.0.1/tcp/4001"), Multiaddr.parse("/ip6/::1/tcp/4001")),
                Optional.of(Multiaddr.parse("/ip4/1.2.3.4/tcp/5")), List.of("/a", "/b"), Optional.empty());
        assertThat(IdentifyCodec.decode(IdentifyCodec.encode(m))).isEqualTo(m);
    }

    @Test
    void limitsAndUnknownAddresses() {
        assertThatThrownBy(() -> IdentifyCodec.decode(new byte[IdentifyCodec.MAX_MESSAGE_BYTES + 1]))
                .isInstanceOf(FrameTooLargeException.class);
        ProtobufWriter w = new ProtobufWriter();
        for (int i = 0; i < 300; i++) {
            w.string(3, "/p" + i);
        }
        assertThatThrownBy(() -> IdentifyCodec.decode(w.toByteArray())).isInstanceOf(P2pProtocolException.class);
        // an address with a protocol code we do not know is skipped, not fatal
        byte[] unknown = new ProtobufWriter().bytes(2, HEX.parseHex("ff7f01")).bytes(2, HEX.parseHex("047f000001069d33")).toByteArray();
        assertThat(IdentifyCodec.decode(unknown).listenAddrs()).hasSize(1);
    }

    static IntStream seeds() {
        return IntStream.range(0, 200);
    }

    /** Seeded random and mutated-capture inputs: a message or a typed protocol error, nothing else. */
    @ParameterizedTest
    @MethodSource("seeds")
    void fuzz(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] input;
        if (seed % 2 == 0) {
            input = new byte[r.nextInt(200)];
            r.nextBytes(input);
        } else {
            input = jsMessage();
            for (int i = 0, n = 1 + r.nextInt(6); i < n && input.length > 0; i++) {
                int at = r.nextInt(input.length);
                switch (r.nextInt(3)) {
                    case 0 -> input[at] ^= (byte) (1 << r.nextInt(8));
                    case 1 -> input[at] = (byte) r.nextInt(256);
                    default -> input = java.util.Arrays.copyOf(input, at);
                }
            }
        }
        try {
            IdentifyMessage m = IdentifyCodec.decode(input);
            assertThat(m.protocols().size() + m.listenAddrs().size()).isLessThanOrEqualTo(IdentifyCodec.MAX_REPEATED);
        } catch (P2pProtocolException expected) {
            // typed rejection
        }
    }
}
