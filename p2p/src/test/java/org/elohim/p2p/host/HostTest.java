package org.elohim.p2p.host;

import org.elohim.p2p.identify.IdentifyMessage;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.perf.PerfService;
import org.elohim.p2p.ping.PingService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Java host to Java host over real loopback TCP + Noise + yamux. */
class HostTest {

    private final List<Host> hosts = new ArrayList<>();

    @AfterEach
    void close() {
        hosts.forEach(Host::close);
    }

    private Host host(boolean inline) {
        Host h = Host.create(HostConfig.defaults(IdentityKey.generate()).withInlineMuxer(inline));
        h.setStreamHandler(Echo.PROTOCOL, Echo.server());
        hosts.add(h);
        return h;
    }

    @ParameterizedTest(name = "inline muxer {0}")
    @ValueSource(booleans = {true, false})
    void connectIdentifyPingEchoAndClose(boolean inline) throws Exception {
        Host server = host(inline);
        Host client = host(true);
        List<String> events = new CopyOnWriteArrayList<>();
        server.addListener(new HostListener() {
            @Override
            public void connected(P2pConnection c) {
                events.add("connected " + c.remotePeer());
            }

            @Override
            public void disconnected(P2pConnection c) {
                events.add("disconnected " + c.remotePeer());
            }
        });
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
        P2pConnection conn = client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS);
        assertThat(conn.remotePeer()).isEqualTo(server.peerId());
        assertThat(conn.isMuxerInlined()).isEqualTo(inline);
        assertThat(conn.transport()).isEqualTo("tcp");
        assertThat(conn.muxer()).isEqualTo("/yamux/1.0.0");
        assertThat(conn.isRelayed()).isFalse();
        assertThat(client.dial(addr.withPeerId(server.peerId())).get(5, TimeUnit.SECONDS)).isSameAs(conn);

        IdentifyMessage id = conn.identified().get(5, TimeUnit.SECONDS);
        assertThat(id.agentVersion()).contains(HostConfig.DEFAULT_AGENT);
        assertThat(id.protocols()).contains(Echo.PROTOCOL, PingService.PROTOCOL, "/ipfs/id/1.0.0");
        assertThat(id.listenAddrs()).containsExactly(addr);
        assertThat(id.observedAddr()).contains(conn.localAddr());

        List<Duration> rtts = client.ping(server.peerId(), 3).get(5, TimeUnit.SECONDS);
        assertThat(rtts).hasSize(3);

        byte[] big = Echo.payload(10 * 1024 * 1024, 1);
        Echo.Client c = new Echo.Client(big);
        conn.newStream(Echo.Client.handler(c), Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        assertThat(c.digest.get(30, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(big));

        PerfService.Result perf = client.perf(server.peerId(), 1 << 20, 2 << 20).get(10, TimeUnit.SECONDS);
        assertThat(perf.downloaded()).isEqualTo(2 << 20);

        await().atMost(5, TimeUnit.SECONDS).until(() -> events.contains("connected " + client.peerId()));
        conn.close().get(5, TimeUnit.SECONDS);
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.contains("disconnected " + client.peerId()));
        assertThat(client.connections()).isEmpty();
    }

    @Test
    void fiftyConcurrentStreamsOnOneConnection() throws Exception {
        Host server = host(true);
        Host client = host(true);
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
        // concurrent dials to one peer share one connection
        CompletableFuture<P2pConnection> first = client.dial(addr.withPeerId(server.peerId()));
        CompletableFuture<P2pConnection> second = client.dial(addr.withPeerId(server.peerId()));
        P2pConnection conn = first.get(10, TimeUnit.SECONDS);
        assertThat(second.get(10, TimeUnit.SECONDS)).isSameAs(conn);
        List<Echo.Client> clients = new ArrayList<>();
        List<CompletableFuture<P2pStream>> opened = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Echo.Client c = new Echo.Client(Echo.payload(100_000 + i, i));
            clients.add(c);
            opened.add(conn.newStream(Echo.Client.handler(c), Echo.PROTOCOL));
        }
        for (int i = 0; i < 50; i++) {
            assertThat(clients.get(i).digest.get(20, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(Echo.payload(100_000 + i, i)));
        }
        assertThat(client.connections()).hasSize(1);
    }

    @Test
    void ipv6AndWrongPeerIdIsRejected() throws Exception {
        Host server = host(true);
        Host client = host(true);
        Multiaddr addr = server.listen(Multiaddr.parse("/ip6/::1/tcp/0")).get(5, TimeUnit.SECONDS);
        assertThat(addr.toString()).startsWith("/ip6/::1/tcp/");
        CompletableFuture<P2pConnection> wrong = client.dial(addr.withPeerId(IdentityKey.generate().peerId()));
        assertThat(wrong).failsWithin(10, TimeUnit.SECONDS);
        P2pConnection ok = client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS);
        assertThat(ok.remotePeer()).isEqualTo(server.peerId());
    }

    @Test
    void streamOpenedWithoutHandlerHoldsEarlyInputUntilStarted() throws Exception {
        Host server = host(true);
        Host client = host(true);
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
        client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS);
        // identify answers at once: message and FIN arrive before our handler exists
        P2pStream stream = client.newStream(server.peerId(), "/ipfs/id/1.0.0").get(5, TimeUnit.SECONDS);
        assertThat(stream.protocol()).isEqualTo("/ipfs/id/1.0.0");
        Thread.sleep(300);
        SingleMessageReader reader = new SingleMessageReader(8192);
        stream.start(reader).get(5, TimeUnit.SECONDS);
        IdentifyMessage m = org.elohim.p2p.identify.IdentifyCodec.decode(reader.message().get(5, TimeUnit.SECONDS));
        assertThat(m.listenAddrs()).containsExactly(addr);
    }

    @Test
    void wildcardListenAddressesAreAdvertisedAsInterfaceAddresses() throws Exception {
        List<java.net.InetAddress> local = List.of(java.net.InetAddress.getByName("127.0.0.1"),
                java.net.InetAddress.getByName("10.1.2.3"), java.net.InetAddress.getByName("::1"),
                java.net.InetAddress.getByName("fe80::1"));
        assertThat(Host.advertise(List.of(Multiaddr.parse("/ip4/0.0.0.0/tcp/4001"), Multiaddr.parse("/ip6/::/tcp/4002"),
                Multiaddr.parse("/ip4/192.168.1.5/tcp/7")), local)).containsExactly(
                Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"), Multiaddr.parse("/ip4/10.1.2.3/tcp/4001"),
                Multiaddr.parse("/ip6/::1/tcp/4002"), Multiaddr.parse("/ip4/192.168.1.5/tcp/7"));
    }

    @Test
    void nioTransportInteroperatesWithEpoll() throws Exception {
        org.elohim.p2p.transport.TcpTransport nio = new org.elohim.p2p.transport.TcpTransport(false);
        assertThat(nio.isEpoll()).isFalse();
        io.netty.channel.EventLoopGroup group = nio.newEventLoopGroup(1);
        try {
            Host server = Host.create(HostConfig.defaults(IdentityKey.generate()), nio, group);
            hosts.add(server);
            server.setStreamHandler(Echo.PROTOCOL, Echo.server());
            Host client = host(true);
            Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
            P2pConnection conn = client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS);
            byte[] data = Echo.payload(1 << 20, 3);
            Echo.Client c = new Echo.Client(data);
            conn.newStream(Echo.Client.handler(c), Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
            assertThat(c.digest.get(20, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(data));
            server.close();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        Host server = host(true);
        Host client = Host.create(HostConfig.defaults(IdentityKey.generate()).withIdleTimeout(Duration.ofMillis(400)));
        hosts.add(client);
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
        P2pConnection conn = client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS);
        conn.identified().get(5, TimeUnit.SECONDS);
        await().atMost(15, TimeUnit.SECONDS).until(() -> !conn.isOpen());
    }
}
