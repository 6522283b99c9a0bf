package org.elohim.p2p.relay;

import org.elohim.p2p.host.Echo;
import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.HostConfig;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.identify.IdentifyMessage;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.Protocol;
import org.elohim.p2p.peer.IdentityKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Circuit relay v2 between three Java hosts over loopback TCP: relay R, listener B behind R, dialer A. */
class RelayHostTest {

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

    private static Multiaddr addr(Host h) {
        return h.listenAddresses().get(0).withPeerId(h.peerId());
    }

    @Test
    void reserveThenDialThroughTheRelayPingAndEcho() throws Exception {
        Host relay = host();
        RelayService service = RelayService.start(relay, RelayConfig.defaults().withCircuitLimits(Duration.ofMinutes(2), 8 << 20),
                Clock.systemUTC());
        Host b = host();
        RelayClient clientB = RelayClient.start(b, Clock.systemUTC());
        closeables.add(clientB);
        Host a = host();
        RelayClient clientA = RelayClient.start(a, Clock.systemUTC());
        closeables.add(clientA);

        RelayClient.Held held = clientB.reserve(addr(relay)).get(10, TimeUnit.SECONDS);
        assertThat(held.voucher()).isPresent();
        assertThat(held.voucher().get().peer()).isEqualTo(b.peerId());
        assertThat(held.reservation().expire() * 1000).isGreaterThan(System.currentTimeMillis());
        assertThat(service.reservationCount()).isEqualTo(1);
        Multiaddr circuit = CircuitAddress.listenAddress(addr(relay)).withPeerId(b.peerId());
        assertThat(b.advertisedAddresses()).contains(CircuitAddress.listenAddress(addr(relay)));

        P2pConnection conn = a.dial(circuit).get(10, TimeUnit.SECONDS);
        assertThat(conn.isRelayed()).isTrue();
        assertThat(conn.remotePeer()).isEqualTo(b.peerId());
        assertThat(conn.remoteAddr().has(Protocol.P2P_CIRCUIT)).isTrue();
        IdentifyMessage id = conn.identified().get(5, TimeUnit.SECONDS);
        assertThat(id.protocols()).contains(Echo.PROTOCOL);
        assertThat(a.ping(b.peerId(), 3).get(5, TimeUnit.SECONDS)).hasSize(3);

        byte[] data = Echo.payload(1 << 20, 3);
        Echo.Client echo = new Echo.Client(data);
        conn.newStream(Echo.Client.handler(echo), Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        assertThat(echo.digest.get(20, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(data));

        await().atMost(5, TimeUnit.SECONDS).until(() -> b.connections().stream()
                .anyMatch(c -> c.isRelayed() && c.remotePeer().equals(a.peerId())));
        assertThat(service.circuitCount()).isEqualTo(1);
        conn.close().get(5, TimeUnit.SECONDS);
        await().atMost(5, TimeUnit.SECONDS).until(() -> service.circuitCount() == 0);
    }

    @Test
    void dialWithoutReservationIsRefused() throws Exception {
        Host relay = host();
        RelayService.start(relay, RelayConfig.defaults(), Clock.systemUTC());
        Host b = host();
        Host a = host();
        RelayClient.start(a, Clock.systemUTC());
        a.dial(addr(relay)).get(5, TimeUnit.SECONDS);
        b.dial(addr(relay)).get(5, TimeUnit.SECONDS);
        Multiaddr circuit = CircuitAddress.listenAddress(addr(relay)).withPeerId(b.peerId());
        assertThatThrownBy(() -> a.dial(circuit).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(RelayException.class)
                .extracting(e -> ((RelayException) e).status()).isEqualTo(RelayStatus.NO_RESERVATION);
    }

    @Test
    void dataLimitClosesTheCircuitAndCountsAreReleased() throws Exception {
        Host relay = host();
        RelayService service = RelayService.start(relay, RelayConfig.defaults().withCircuitLimits(Duration.ofMinutes(1), 64 * 1024),
                Clock.systemUTC());
        Host b = host();
        RelayClient clientB = RelayClient.start(b, Clock.systemUTC());
        Host a = host();
        RelayClient.start(a, Clock.systemUTC());
        clientB.reserve(addr(relay)).get(10, TimeUnit.SECONDS);
        P2pConnection conn = a.dial(CircuitAddress.listenAddress(addr(relay)).withPeerId(b.peerId())).get(10, TimeUnit.SECONDS);
        Echo.Client echo = new Echo.Client(Echo.payload(1 << 20, 1));
        conn.newStream(Echo.Client.handler(echo), Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> echo.digest.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        await().atMost(5, TimeUnit.SECONDS).until(() -> !conn.isOpen() && service.circuitCount() == 0);
        // the reservation survives the circuit: a new circuit can be opened
        P2pConnection again = a.dial(CircuitAddress.listenAddress(addr(relay)).withPeerId(b.peerId())).get(10, TimeUnit.SECONDS);
        assertThat(a.ping(b.peerId(), 1).get(5, TimeUnit.SECONDS)).hasSize(1);
        assertThat(again.isRelayed()).isTrue();
    }

    @Test
    void perPeerCircuitLimitAnswersResourceLimitExceeded() throws Exception {
        Host relay = host();
        RelayService.start(relay, RelayConfig.defaults().withMaxCircuits(64, 1), Clock.systemUTC());
        Host b = host();
        RelayClient clientB = RelayClient.start(b, Clock.systemUTC());
        clientB.reserve(addr(relay)).get(10, TimeUnit.SECONDS);
        Host a1 = host();
        RelayClient.start(a1, Clock.systemUTC());
        Host a2 = host();
        RelayClient.start(a2, Clock.systemUTC());
        Multiaddr circuit = CircuitAddress.listenAddress(addr(relay)).withPeerId(b.peerId());
        a1.dial(circuit).get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> a2.dial(circuit).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(RelayException.class)
                .extracting(e -> ((RelayException) e).status()).isEqualTo(RelayStatus.RESOURCE_LIMIT_EXCEEDED);
    }
}
