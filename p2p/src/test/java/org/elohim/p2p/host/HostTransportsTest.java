package org.elohim.p2p.host;

import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.transport.quic.QuicTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** A host listening on TCP, WebSocket and QUIC at once, and the dialer's preference QUIC > TCP > WebSocket. */
class HostTransportsTest {

    private final List<Host> hosts = new ArrayList<>();

    @AfterEach
    void close() {
        hosts.forEach(Host::close);
    }

    private Host host(List<Multiaddr> listen) {
        Host h = Host.create(HostConfig.defaults(IdentityKey.generate()).withListenAddrs(listen));
        hosts.add(h);
        return h;
    }

    @Test
    void preferenceOrderIsQuicTcpWebSocketThenCircuits() {
        Host h = host(List.of());
        Multiaddr ws = Multiaddr.parse("/ip4/10.0.0.1/tcp/1/ws");
        Multiaddr tcp = Multiaddr.parse("/ip6/::1/tcp/2");
        Multiaddr quic = Multiaddr.parse("/ip4/10.0.0.1/udp/3/quic-v1");
        Multiaddr circuit = Multiaddr.parse("/ip4/10.0.0.2/tcp/4/p2p/12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5/p2p-circuit");
        Multiaddr webrtc = Multiaddr.parse("/ip4/10.0.0.1/udp/5/webrtc-direct");
        assertThat(h.preferred(List.of(circuit, ws, webrtc, tcp, quic))).containsExactly(quic, tcp, ws, circuit);
    }

    @Test
    void listensOnAllConfiguredTransportsAndDialsQuicFirst() throws Exception {
        assumeThat(QuicTransport.isAvailable()).isTrue();
        Host server = host(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"), Multiaddr.parse("/ip4/127.0.0.1/tcp/0/ws"),
                Multiaddr.parse("/ip4/127.0.0.1/udp/0/quic-v1")));
        List<Multiaddr> bound = server.listenAll().get(10, TimeUnit.SECONDS);
        assertThat(bound).hasSize(3);
        assertThat(server.listenAddresses()).containsExactlyInAnyOrderElementsOf(bound);

        Host quicFan = host(List.of());
        P2pConnection c = quicFan.dial(server.peerId(), List.of(bound.get(1), bound.get(0), bound.get(2))).get(15, TimeUnit.SECONDS);
        assertThat(c.transport()).isEqualTo("quic");

        Host noQuic = host(List.of());
        P2pConnection t = noQuic.dial(server.peerId(), List.of(bound.get(1), bound.get(0))).get(15, TimeUnit.SECONDS);
        assertThat(t.transport()).isEqualTo("tcp");
        // A dead first choice falls through to the next address.
        Host fallback = host(List.of());
        Multiaddr deadTcp = Multiaddr.parse("/ip4/127.0.0.1/tcp/1");
        P2pConnection w = fallback.dial(server.peerId(), List.of(deadTcp, bound.get(1))).get(15, TimeUnit.SECONDS);
        assertThat(w.transport()).isEqualTo("ws");
        assertThat(c.identified().get(5, TimeUnit.SECONDS).listenAddrs()).containsAll(bound);
    }
}
