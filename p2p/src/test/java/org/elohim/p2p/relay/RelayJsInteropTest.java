package org.elohim.p2p.relay;

import com.fasterxml.jackson.databind.JsonNode;
import org.elohim.p2p.host.Echo;
import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.HostConfig;
import org.elohim.p2p.host.JsPeer;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Circuit relay v2 against real js-libp2p 3.3.11 peers (interop/libp2p/relay-peer.mjs), both roles, loopback. */
class RelayJsInteropTest {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private Host host() throws Exception {
        Host h = Host.create(HostConfig.defaults(IdentityKey.generate()));
        h.setStreamHandler(Echo.PROTOCOL, Echo.server());
        closeables.add(h);
        h.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
        return h;
    }

    private JsPeer js(String... args) throws Exception {
        JsPeer p = JsPeer.startScript("relay-peer.mjs", args);
        closeables.add(p);
        return p;
    }

    @Test
    void javaReservesOnJsRelayAndIsDialedThroughIt() throws Exception {
        JsRelay relay = new JsRelay(js("--listen-addr", "/ip4/127.0.0.1/tcp/0", "--relay-server"));
        Host b = host();
        RelayClient clientB = RelayClient.start(b, Clock.systemUTC());
        closeables.add(clientB);

        RelayClient.Held held = clientB.reserve(relay.addr).get(15, TimeUnit.SECONDS);
        // js signs a voucher; opening it checked the signature, the relay and our peer id
        assertThat(held.voucher()).isPresent();
        assertThat(held.voucher().get().relay()).isEqualTo(relay.id);
        assertThat(clientB.circuitAddresses()).isNotEmpty();
        Multiaddr circuit = CircuitAddress.listenAddress(relay.addr).withPeerId(b.peerId());

        // a js peer dials us through the js relay: ping and echo over the circuit
        JsPeer dialer = js();
        JsonNode dialed = dialer.command(JsPeer.cmd("dial").put("addr", circuit.toString()), 20);
        assertThat(dialed.get("peer").asText()).isEqualTo(b.peerId().toString());
        assertThat(dialed.get("remoteAddr").asText()).contains("/p2p-circuit");
        assertThat(dialed.get("limited").asBoolean()).isTrue();
        assertThat(dialer.command(JsPeer.cmd("ping").put("peer", b.peerId().toString()).put("count", 3), 20)
                .get("rtts")).hasSize(3);
        assertThat(dialer.command(JsPeer.cmd("echo").put("peer", b.peerId().toString()).put("size", 100_000), 30)
                .get("ok").asBoolean()).isTrue();
        await().atMost(5, TimeUnit.SECONDS).until(() -> b.connections().stream()
                .anyMatch(c -> c.isRelayed() && c.remotePeer().toString().equals(dialer.peerId())));

        // and a Java peer dials us through the js relay
        Host a = host();
        RelayClient.start(a, Clock.systemUTC());
        P2pConnection conn = a.dial(circuit).get(15, TimeUnit.SECONDS);
        assertThat(conn.isRelayed()).isTrue();
        assertThat(a.ping(b.peerId(), 2).get(10, TimeUnit.SECONDS)).hasSize(2);
    }

    @Test
    void jsReservesOnJavaRelayAndJsDialsItThroughJava() throws Exception {
        Host relay = host();
        RelayService service = RelayService.start(relay,
                RelayConfig.defaults().withCircuitLimits(Duration.ofMinutes(2), 4 << 20), Clock.systemUTC());
        Multiaddr relayAddr = relay.listenAddresses().get(0).withPeerId(relay.peerId());

        JsPeer listener = js("--reserve", relayAddr.toString());
        JsonNode addrs = listener.event(e -> "addrs".equals(e.path("event").asText())
                && e.get("addrs").toString().contains("p2p-circuit"), 20);
        assertThat(addrs.get("addrs").toString()).contains(relayAddr + "/p2p-circuit/p2p/" + listener.peerId());
        assertThat(service.reservationCount()).isEqualTo(1);

        JsPeer dialer = js();
        String circuit = relayAddr + "/p2p-circuit/p2p/" + listener.peerId();
        JsonNode dialed = dialer.command(JsPeer.cmd("dial").put("addr", circuit), 20);
        assertThat(dialed.get("peer").asText()).isEqualTo(listener.peerId());
        assertThat(dialed.get("limited").asBoolean()).isTrue();
        assertThat(dialer.command(JsPeer.cmd("ping").put("peer", listener.peerId()).put("count", 3), 20)
                .get("rtts")).hasSize(3);
        assertThat(dialer.command(JsPeer.cmd("echo").put("peer", listener.peerId()).put("size", 200_000), 30)
                .get("ok").asBoolean()).isTrue();
        assertThat(service.circuitCount()).isEqualTo(1);

        // a Java peer reaches the js listener through the Java relay too
        Host c = host();
        RelayClient.start(c, Clock.systemUTC());
        P2pConnection conn = c.dial(Multiaddr.parse(circuit)).get(15, TimeUnit.SECONDS);
        assertThat(conn.isRelayed()).isTrue();
        assertThat(conn.remotePeer()).isEqualTo(PeerId.parse(listener.peerId()));
        assertThat(c.ping(conn.remotePeer(), 2).get(10, TimeUnit.SECONDS)).hasSize(2);
        byte[] data = Echo.payload(300_000, 5);
        Echo.Client echo = new Echo.Client(data);
        conn.newStream(Echo.Client.handler(echo), Echo.PROTOCOL).get(10, TimeUnit.SECONDS);
        assertThat(echo.digest.get(20, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(data));
    }

    private static final class JsRelay {
        final Multiaddr addr;
        final PeerId id;

        JsRelay(JsPeer p) {
            this.addr = Multiaddr.parse(p.address());
            this.id = PeerId.parse(p.peerId());
        }
    }
}
