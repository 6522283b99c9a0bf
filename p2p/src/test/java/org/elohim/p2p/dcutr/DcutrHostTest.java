package org.elohim.p2p.dcutr;

import org.elohim.p2p.host.Echo;
import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.HostConfig;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.ping.PingService;
import org.elohim.p2p.relay.CircuitAddress;
import org.elohim.p2p.relay.RelayClient;
import org.elohim.p2p.relay.RelayConfig;
import org.elohim.p2p.relay.RelayService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * DCUtR between Java hosts on loopback (no NAT: the punch is a TCP simultaneous open or lands in the listener).
 * Through real NATs: {@code NatLabTest}.
 */
class DcutrHostTest {

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

    private record Setup(Host a, Host b, DcutrService dcutrB, P2pConnection relayedFromA) {
    }

    private Setup relayed(Supplier<List<Multiaddr>> addrsOfB, Duration attemptTimeout) throws Exception {
        return relayed(addrsOfB, null, attemptTimeout);
    }

    private Setup relayed(Supplier<List<Multiaddr>> addrsOfB, Supplier<List<Multiaddr>> addrsOfA, Duration attemptTimeout)
            throws Exception {
        Host relay = host();
        RelayService.start(relay, RelayConfig.defaults().withCircuitLimits(Duration.ofMinutes(2), 8 << 20), Clock.systemUTC());
        Multiaddr relayAddr = relay.listenAddresses().get(0).withPeerId(relay.peerId());
        Host b = host();
        RelayClient.start(b, Clock.systemUTC()).reserve(relayAddr).get(10, TimeUnit.SECONDS);
        DcutrService dcutrB = DcutrService.start(b, addrsOfB, 3, attemptTimeout);
        Host a = host();
        RelayClient.start(a, Clock.systemUTC());
        DcutrService.start(a, addrsOfA != null ? addrsOfA : a::listenAddresses, 3, attemptTimeout);
        P2pConnection conn = a.dial(CircuitAddress.listenAddress(relayAddr).withPeerId(b.peerId())).get(10, TimeUnit.SECONDS);
        assertThat(conn.isRelayed()).isTrue();
        return new Setup(a, b, dcutrB, conn);
    }

    @Test
    void relayedConnectionIsUpgradedToDirectAndNewStreamsPreferIt() throws Exception {
        Host[] bRef = new Host[1];
        Setup s = relayed(() -> bRef[0].listenAddresses(), Duration.ofSeconds(5));
        bRef[0] = s.b();
        DcutrService.Outcome o = s.dcutrB().outcome(s.a().peerId()).get(20, TimeUnit.SECONDS);
        assertThat(o.direct()).isTrue();
        assertThat(o.attempts()).isBetween(1, 3);

        // A finishes its side of the handshake (Noise responder) a moment after B
        await().atMost(5, TimeUnit.SECONDS).until(() -> !s.a().connection(s.b().peerId()).orElseThrow().isRelayed());
        assertThat(s.a().ping(s.b().peerId(), 2).get(5, TimeUnit.SECONDS)).hasSize(2);
        // the relayed connection still works
        assertThat(s.relayedFromA().isOpen()).isTrue();
        assertThat(pingOver(s.relayedFromA())).isTrue();
    }

    @Test
    void failedPunchLeavesTheRelayedConnectionWorking() throws Exception {
        // both offer only an address nobody listens on: every round fails
        Supplier<List<Multiaddr>> nowhere = () -> List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/1"));
        Setup s = relayed(nowhere, nowhere, Duration.ofMillis(700));
        DcutrService.Outcome o = s.dcutrB().outcome(s.a().peerId()).get(20, TimeUnit.SECONDS);
        assertThat(o.direct()).isFalse();
        assertThat(o.attempts()).isEqualTo(3);
        assertThat(s.a().connection(s.b().peerId()).orElseThrow().isRelayed()).isTrue();
        assertThat(s.a().ping(s.b().peerId(), 2).get(5, TimeUnit.SECONDS)).hasSize(2);
        byte[] data = Echo.payload(200_000, 2);
        Echo.Client echo = new Echo.Client(data);
        s.relayedFromA().newStream(Echo.Client.handler(echo), Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        assertThat(echo.digest.get(10, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(data));
    }

    private static boolean pingOver(P2pConnection c) throws Exception {
        CompletableFuture<List<Duration>> r = new CompletableFuture<>();
        c.newStream(st -> PingService.ping(st, 1).whenComplete((v, e) -> {
            if (e != null) {
                r.completeExceptionally(e);
            } else {
                r.complete(v);
            }
        }), PingService.PROTOCOL).get(5, TimeUnit.SECONDS);
        return r.get(5, TimeUnit.SECONDS).size() == 1;
    }
}
