package org.elohim.p2p.host;

import com.fasterxml.jackson.databind.JsonNode;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.perf.PerfService;
import org.elohim.p2p.transport.quic.QuicTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * QUIC and WebSocket against real js-libp2p 3.3.11 peers (@chainsafe/libp2p-quic 2.1.1, @libp2p/websockets
 * 10.1.21; interop/libp2p/transport-peer.mjs), on loopback, both directions: identify, ping, echo, perf.
 */
class TransportJsInteropTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void installed() {
        JsPeer.requireInstalled();
        assumeThat(QuicTransport.isAvailable()).as("native QUIC library loads").isTrue();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private Host host() {
        Host h = Host.create(HostConfig.defaults(IdentityKey.generate()));
        h.setStreamHandler(Echo.PROTOCOL, Echo.server());
        open.add(h);
        return h;
    }

    private JsPeer js(String... args) throws Exception {
        JsPeer p = JsPeer.startScript("transport-peer.mjs", args);
        open.add(p);
        return p;
    }

    private static String listenAddr(String transport) {
        return transport.equals("quic") ? "/ip4/127.0.0.1/udp/0/quic-v1" : "/ip4/127.0.0.1/tcp/0/ws";
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"quic", "ws"})
    void javaDialsJs(String transport) throws Exception {
        JsPeer js = js("--listen", listenAddr(transport));
        Host java = host();
        Multiaddr addr = Multiaddr.parse(js.address());
        P2pConnection conn = java.dial(addr).get(20, TimeUnit.SECONDS);
        assertThat(conn.transport()).isEqualTo(transport);
        assertThat(conn.remotePeer()).isEqualTo(PeerId.parse(js.peerId()));

        var id = conn.identified().get(10, TimeUnit.SECONDS);
        assertThat(id.agentVersion().orElseThrow()).contains("js-libp2p");
        assertThat(id.protocols()).contains(Echo.PROTOCOL, "/ipfs/ping/1.0.0");
        assertThat(java.ping(conn.remotePeer(), 3).get(10, TimeUnit.SECONDS)).hasSize(3);

        byte[] big = Echo.payload(2 * 1024 * 1024, 9);
        Echo.Client c = new Echo.Client(big);
        conn.newStream(Echo.Client.handler(c), Echo.PROTOCOL).get(10, TimeUnit.SECONDS);
        assertThat(c.digest.get(30, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(big));
        PerfService.Result perf = java.perf(conn.remotePeer(), 1 << 20, 1 << 20).get(30, TimeUnit.SECONDS);
        assertThat(perf.downloaded()).isEqualTo(1 << 20);

        // js uses the same connection towards us: its identify saw our agent, its ping and echo reach our handlers.
        JsonNode ident = js.event(n -> "identify".equals(n.path("event").asText())
                && java.peerId().toString().equals(n.path("peer").asText()), 10);
        assertThat(ident.path("agentVersion").asText()).isEqualTo(HostConfig.DEFAULT_AGENT);
        JsonNode ping = js.command(JsPeer.cmd("ping").put("peer", java.peerId().toString()).put("count", 2), 20);
        assertThat(ping.path("rtts")).hasSize(2);
        JsonNode echo = js.command(JsPeer.cmd("echo").put("peer", java.peerId().toString())
                .put("size", 256 * 1024).put("streams", 4), 30);
        assertThat(echo.path("ok").asBoolean()).as(echo.toString()).isTrue();
        assertThat(echo.path("connection").path("remoteAddr").asText()).contains(transport.equals("quic") ? "/quic-v1" : "/ws");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"quic", "ws"})
    void jsDialsJava(String transport) throws Exception {
        Host java = host();
        Multiaddr addr = java.listen(Multiaddr.parse(listenAddr(transport))).get(5, TimeUnit.SECONDS);
        JsPeer js = js();
        String target = addr.withPeerId(java.peerId()).toString();

        JsonNode dial = js.command(JsPeer.cmd("dial").put("addr", target), 20);
        assertThat(dial.path("peer").asText()).isEqualTo(java.peerId().toString());
        JsonNode ping = js.command(JsPeer.cmd("ping").put("peer", java.peerId().toString()).put("count", 3), 20);
        assertThat(ping.path("rtts")).hasSize(3);
        JsonNode echo = js.command(JsPeer.cmd("echo").put("peer", java.peerId().toString())
                .put("size", 1024 * 1024).put("streams", 4), 30);
        assertThat(echo.path("ok").asBoolean()).as(echo.toString()).isTrue();
        JsonNode perf = js.command(JsPeer.cmd("perf").put("peer", java.peerId().toString())
                .put("upload", 1 << 20).put("download", 1 << 20), 30);
        assertThat(perf.path("received").asLong()).isEqualTo(1 << 20);

        PeerId jsId = PeerId.parse(js.peerId());
        await().atMost(10, TimeUnit.SECONDS).until(() -> java.connection(jsId).isPresent());
        P2pConnection conn = java.connection(jsId).orElseThrow();
        assertThat(conn.transport()).isEqualTo(transport);
        assertThat(conn.direction()).isEqualTo(P2pConnection.Direction.INBOUND);
        assertThat(conn.identified().get(10, TimeUnit.SECONDS).agentVersion().orElseThrow()).contains("js-libp2p");
        // And back over the inbound connection.
        assertThat(java.ping(jsId, 2).get(10, TimeUnit.SECONDS)).hasSize(2);
    }
}
