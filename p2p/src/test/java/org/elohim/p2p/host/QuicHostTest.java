package org.elohim.p2p.host;

import org.elohim.p2p.identify.IdentifyMessage;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.noise.PeerIdMismatchException;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.perf.PerfService;
import org.elohim.p2p.ping.PingService;
import org.elohim.p2p.transport.quic.QuicTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/** Java host to Java host over real loopback QUIC (libp2p TLS, QUIC streams). */
class QuicHostTest {

    private final List<Host> hosts = new ArrayList<>();

    @BeforeAll
    static void quicAvailable() {
        assumeThat(QuicTransport.isAvailable()).as("native QUIC library loads").isTrue();
    }

    @AfterEach
    void close() {
        hosts.forEach(Host::close);
    }

    private Host host() {
        Host h = Host.create(HostConfig.defaults(IdentityKey.generate()));
        h.setStreamHandler(Echo.PROTOCOL, Echo.server());
        hosts.add(h);
        return h;
    }

    @Test
    void dialIdentifyPingEchoPerfBothDirections() throws Exception {
        Host server = host();
        Host client = host();
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/udp/0/quic-v1")).get(5, TimeUnit.SECONDS);
        assertThat(addr.toString()).startsWith("/ip4/127.0.0.1/udp/").endsWith("/quic-v1");

        P2pConnection conn = client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS);
        assertThat(conn.transport()).isEqualTo("quic");
        assertThat(conn.muxer()).isEqualTo("quic");
        assertThat(conn.remotePeer()).isEqualTo(server.peerId());
        assertThat(conn.remoteAddr()).isEqualTo(addr);
        assertThat(conn.isRelayed()).isFalse();

        IdentifyMessage id = conn.identified().get(5, TimeUnit.SECONDS);
        assertThat(id.listenAddrs()).contains(addr);
        // The dialing socket is bound to the wildcard address: what the listener observes is its port on loopback.
        assertThat(id.observedAddr().orElseThrow().components().get(1).port()).isEqualTo(conn.localAddr().components().get(1).port());
        assertThat(id.protocols()).contains(Echo.PROTOCOL, PingService.PROTOCOL);

        assertThat(client.ping(server.peerId(), 3).get(5, TimeUnit.SECONDS)).hasSize(3);
        byte[] big = Echo.payload(8 * 1024 * 1024, 3);
        Echo.Client c = new Echo.Client(big);
        conn.newStream(Echo.Client.handler(c), Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        assertThat(c.digest.get(30, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(big));
        PerfService.Result perf = client.perf(server.peerId(), 1 << 20, 2 << 20).get(10, TimeUnit.SECONDS);
        assertThat(perf.downloaded()).isEqualTo(2 << 20);

        // The listener sees the same connection and can open streams on it too.
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.connection(client.peerId()).isPresent());
        P2pConnection back = server.connection(client.peerId()).orElseThrow();
        assertThat(back.transport()).isEqualTo("quic");
        assertThat(back.direction()).isEqualTo(P2pConnection.Direction.INBOUND);
        assertThat(server.ping(client.peerId(), 2).get(5, TimeUnit.SECONDS)).hasSize(2);

        List<CompletableFuture<String>> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] p = Echo.payload(10_000 + i, i);
            Echo.Client ec = new Echo.Client(p);
            conn.newStream(Echo.Client.handler(ec), Echo.PROTOCOL);
            many.add(ec.digest.thenApply(d -> d.equals(Echo.sha256(p)) ? "ok" : "bad"));
        }
        for (CompletableFuture<String> f : many) {
            assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo("ok");
        }
        conn.close().get(5, TimeUnit.SECONDS);
        await().atMost(5, TimeUnit.SECONDS).until(() -> client.connection(server.peerId()).isEmpty());
    }

    @Test
    void dialingTheWrongPeerIdIsRefused() throws Exception {
        Host server = host();
        Host client = host();
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/udp/0/quic-v1")).get(5, TimeUnit.SECONDS);
        IdentityKey someoneElse = IdentityKey.generate();
        assertThatThrownBy(() -> client.dial(addr.withPeerId(someoneElse.peerId())).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(PeerIdMismatchException.class);
        assertThat(client.connection(server.peerId())).isEmpty();
        // The real id still works afterwards.
        assertThat(client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS).transport()).isEqualTo("quic");
    }

    @Test
    void dialFromTheListenPortLeavesFromThatPort() throws Exception {
        Host server = host();
        Host client = host();
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/udp/0/quic-v1")).get(5, TimeUnit.SECONDS);
        Multiaddr mine = client.listen(Multiaddr.parse("/ip4/127.0.0.1/udp/0/quic-v1")).get(5, TimeUnit.SECONDS);
        QuicTransport quic = client.transport(QuicTransport.class).orElseThrow();
        assumeThat(quic.listenPort(true)).isPositive();
        P2pConnection conn = client.dial(addr.withPeerId(server.peerId()), true).get(10, TimeUnit.SECONDS);
        assertThat(conn.localAddr().toString()).endsWith("/udp/" + mine.components().get(1).port() + "/quic-v1");
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.connection(client.peerId()).isPresent());
        assertThat(server.connection(client.peerId()).orElseThrow().remoteAddr()).isEqualTo(mine);
        assertThat(client.ping(server.peerId(), 1).get(5, TimeUnit.SECONDS)).hasSize(1);
        // The listener keeps accepting other peers on the shared port.
        Host third = host();
        assertThat(third.dial(mine.withPeerId(client.peerId())).get(10, TimeUnit.SECONDS).transport()).isEqualTo("quic");
    }
}
