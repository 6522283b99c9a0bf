package org.elohim.p2p.multiaddr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.elohim.p2p.codec.P2pProtocolException;
import org.elohim.p2p.peer.PeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30) // fuzz loops are bounded in count; this bounds them in time too
class MultiaddrTest {
    static final HexFormat HEX = HexFormat.of();
    static final String LISTENER = "12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5";

    @ParameterizedTest
    @CsvSource({
        "/ip4/127.0.0.1/tcp/4001,047f000001060fa1",
        // observedAddr from the captured js identify message
        "/ip4/127.0.0.1/tcp/37179/p2p/12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5,047f00000106913ba503260024080112208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c",
        "/ip4/127.0.0.1/tcp/40243,047f000001069d33",
        "/ip6/::1/tcp/4001,290000000000000000000000000000000106" + "0fa1",
        "/ip6/2001:db8::1/udp/4001/quic-v1,2920010db8000000000000000000000001" + "9102" + "0fa1" + "cd03",
        "/dns4/example.com/tcp/443/wss,360b6578616d706c652e636f6d" + "0601bb" + "de03",
        "/ip4/1.2.3.4/tcp/1/ws/p2p-circuit,0401020304" + "060001" + "dd03" + "a202",
        "/dns/localhost/tcp/0/tls/ws,35096c6f63616c686f7374" + "060000" + "c003" + "dd03"})
    void textAndBinaryVectors(String text, String hex) {
        Multiaddr ma = Multiaddr.parse(text);
        assertThat(HEX.formatHex(ma.bytes())).isEqualTo(hex);
        assertThat(ma.toString()).isEqualTo(text);
        assertThat(Multiaddr.fromBytes(HEX.parseHex(hex))).isEqualTo(ma);
        assertThat(Multiaddr.fromBytes(ma.bytes()).toString()).isEqualTo(text);
    }

    @Test
    void canonicalisesIp6AndLegacyIpfs() {
        assertThat(Multiaddr.parse("/ip6/0:0:0:0:0:0:0:1/tcp/1").toString()).isEqualTo("/ip6/::1/tcp/1");
        assertThat(Multiaddr.parse("/ip6/2001:DB8:0:0:1:0:0:1/tcp/1").toString()).isEqualTo("/ip6/2001:db8::1:0:0:1/tcp/1");
        assertThat(Multiaddr.parse("/ip6/::ffff:1.2.3.4/tcp/1").bytes())
                .isEqualTo(HEX.parseHex("2900000000000000000000ffff01020304060001"));
        assertThat(Multiaddr.parse("/ip4/1.2.3.4/tcp/5/ipfs/" + LISTENER).toString())
                .isEqualTo("/ip4/1.2.3.4/tcp/5/p2p/" + LISTENER);
    }

    @Test
    void peerIdHelpers() {
        Multiaddr base = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001");
        PeerId peer = PeerId.parse(LISTENER);
        Multiaddr withPeer = base.withPeerId(peer);
        assertThat(withPeer.toString()).isEqualTo("/ip4/127.0.0.1/tcp/4001/p2p/" + LISTENER);
        assertThat(withPeer.peerId()).contains(peer);
        assertThat(withPeer.withPeerId(peer)).isSameAs(withPeer);
        assertThat(withPeer.withoutPeerId()).isEqualTo(base);
        assertThat(base.peerId()).isEmpty();
        // CID text form is accepted in /p2p/ and printed as base58
        assertThat(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/p2p/" + peer.toCidString())).isEqualTo(withPeer);
        PeerId other = PeerId.parse("12D3KooWPqT2nMDSiXUSx5D7fasaxhxKigVhcqfkKqrLghCq9jxz");
        assertThatThrownBy(() -> withPeer.withPeerId(other)).isInstanceOf(MultiaddrException.class);
    }

    @Test
    void socketAddressConversions() throws Exception {
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 4001);
        assertThat(Multiaddr.fromInetSocketAddress(v4).toString()).isEqualTo("/ip4/127.0.0.1/tcp/4001");
        assertThat(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/p2p/" + LISTENER).toInetSocketAddress()).isEqualTo(v4);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 9);
        assertThat(Multiaddr.fromInetSocketAddress(v6).toString()).isEqualTo("/ip6/::1/tcp/9");
        assertThat(Multiaddr.parse("/ip6/::1/tcp/9").toInetSocketAddress()).isEqualTo(v6);
        InetSocketAddress dns = Multiaddr.parse("/dns4/example.com/tcp/80").toInetSocketAddress();
        assertThat(dns.isUnresolved()).isTrue();
        assertThat(dns.getHostString()).isEqualTo("example.com");
        assertThat(Multiaddr.fromInetSocketAddress(v4, Protocol.UDP).toString()).isEqualTo("/ip4/127.0.0.1/udp/4001");
        assertThatThrownBy(() -> Multiaddr.parse("/ip4/1.2.3.4/ws").toInetSocketAddress())
                .isInstanceOf(MultiaddrException.class);
        assertThat(Multiaddr.parse("/ip4/1.2.3.4/tcp/1").components())
                .extracting(Component::protocol).containsExactly(Protocol.IP4, Protocol.TCP);
        assertThat(Multiaddr.of(List.of(Component.parse(Protocol.IP4, "10.0.0.1"), Component.of(Protocol.WS)))
                .toString()).isEqualTo("/ip4/10.0.0.1/ws");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ip4/1.2.3.4", "/", "//", "/ip4", "/ip4/256.0.0.1", "/ip4/1.2.3", "/ip4/01.2.3.4",
            "/ip4/1.2.3.4.5", "/ip4/1.2.3.-4", "/tcp/65536", "/tcp/-1", "/tcp/01", "/tcp/abc", "/tcp/", "/udp",
            "/ip6/1:2:3:4:5:6:7:8:9", "/ip6/1::2::3", "/ip6/12345::", "/ip6/1.2.3.4", "/ip6/g::", "/ip6/:1::",
            "/foo/bar", "/p2p/notapeerid", "/p2p/QmShort", "/ws/extra", "/dns4/", "/ip4/1.2.3.4//tcp/1",
            "/ip6/::１/tcp/1", "/certhash/x"})
    void rejectsInvalidText(String text) {
        assertThatThrownBy(() -> Multiaddr.parse(text)).isInstanceOf(MultiaddrException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "04", "047f0000", "06ff", "ff", "8080808080808080808001", "a503", "a50301",
            "a5030400240801", "35", "3501", "35012f", "3502c328", "0f", "cd", "cd0301"})
    void rejectsInvalidBytes(String hex) {
        assertThatThrownBy(() -> Multiaddr.fromBytes(HEX.parseHex(hex))).isInstanceOf(MultiaddrException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23})
    void fuzzMutatedCaptureBytesOnlyTypedErrors(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] good = HEX.parseHex("047f00000106913ba503260024080112208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c");
        String goodText = "/ip6/2001:db8::1/udp/4001/quic-v1/p2p/" + LISTENER;
        for (int i = 0; i < 2000; i++) {
            byte[] b = good.clone();
            for (int f = 0; f <= rnd.nextInt(3); f++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextInt(3) == 0) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 5));
            }
            try {
                Multiaddr m = Multiaddr.fromBytes(b);
                assertThat(Multiaddr.parse(m.toString())).isEqualTo(m);
            } catch (P2pProtocolException expected) {
                // typed
            }
            StringBuilder sb = new StringBuilder(goodText);
            for (int f = 0; f <= rnd.nextInt(3); f++) {
                sb.setCharAt(rnd.nextInt(sb.length()), "/:.0123456789abcdefxyz-".charAt(rnd.nextInt(23)));
            }
            try {
                Multiaddr m = Multiaddr.parse(sb.toString());
                assertThat(Multiaddr.fromBytes(m.bytes())).isEqualTo(m);
            } catch (P2pProtocolException expected) {
                // typed
            }
        }
    }
}
