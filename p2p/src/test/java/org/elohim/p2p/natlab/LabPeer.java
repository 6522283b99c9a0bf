package org.elohim.p2p.natlab;

import org.elohim.p2p.dcutr.DcutrService;
import org.elohim.p2p.host.Echo;
import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.HostConfig;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.nat.AddressManager;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.relay.CircuitAddress;
import org.elohim.p2p.relay.RelayClient;
import org.elohim.p2p.relay.RelayConfig;
import org.elohim.p2p.relay.RelayService;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * One peer of the NAT lab, run as a child JVM inside a network namespace ({@code ip netns exec NS java ...}).
 * Prints one {@code key=value ...} line per event on stdout; stops when stdin closes (or, for the dialer, when done).
 * <ul>
 *   <li>{@code relay LISTEN_ADDR SEED_HEX}</li>
 *   <li>{@code listen RELAY_ADDR SEED_HEX}: listens on 0.0.0.0:4001, reserves on the relay, leads hole punches</li>
 *   <li>{@code dial RELAY_ADDR SEED_HEX TARGET_PEER WAIT_MS}: dials TARGET through the relay, waits up to WAIT_MS for
 *   DCUtR to make the connection direct, then pings and echoes over the preferred connection</li>
 * </ul>
 */
public final class LabPeer {

    private LabPeer() {
    }

    public static void main(String[] args) throws Exception {
        IdentityKey key = IdentityKey.fromSeed(HexFormat.of().parseHex(args[2]));
        Host host = Host.create(HostConfig.defaults(key));
        host.setStreamHandler(Echo.PROTOCOL, Echo.server());
        try {
            switch (args[0]) {
                case "relay" -> relay(host, Multiaddr.parse(args[1]));
                case "listen" -> listen(host, Multiaddr.parse(args[1]));
                case "dial" -> dial(host, Multiaddr.parse(args[1]), PeerId.parse(args[3]), Long.parseLong(args[4]));
                default -> throw new IllegalArgumentException(args[0]);
            }
        } catch (Throwable t) {
            out("event=error message=" + t.toString().replace(' ', '_'));
        } finally {
            host.close();
            System.exit(0);
        }
    }

    private static void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void awaitStdinClose() throws Exception {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            while (r.readLine() != null) {
                // until the test closes our stdin
            }
        }
    }

    private static void relay(Host host, Multiaddr listen) throws Exception {
        Multiaddr bound = host.listen(listen).get(10, TimeUnit.SECONDS);
        RelayService.start(host, RelayConfig.defaults().withCircuitLimits(Duration.ofMinutes(2), 8 << 20), Clock.systemUTC());
        out("event=ready addr=" + bound.withPeerId(host.peerId()));
        awaitStdinClose();
    }

    private static DcutrService natServices(Host host) throws Exception {
        host.listen(Multiaddr.parse("/ip4/0.0.0.0/tcp/4001")).get(10, TimeUnit.SECONDS);
        AddressManager addresses = AddressManager.start(host, Clock.systemUTC());
        return DcutrService.start(host, addresses::punchAddresses, 3, Duration.ofSeconds(2));
    }

    private static void listen(Host host, Multiaddr relay) throws Exception {
        DcutrService dcutr = natServices(host);
        RelayClient client = RelayClient.start(host, Clock.systemUTC());
        client.reserve(relay).get(15, TimeUnit.SECONDS);
        // identify of the relay brings our observed address; give it a moment before announcing readiness
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (host.connections().stream().anyMatch(c -> c.identify() == null) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        out("event=reserved circuit=" + CircuitAddress.listenAddress(relay).withPeerId(host.peerId()));
        host.addListener(new org.elohim.p2p.host.HostListener() {
            @Override
            public void connected(P2pConnection c) {
                if (c.isRelayed()) {
                    dcutr.outcome(c.remotePeer()).thenAccept(o -> out("event=punch direct=" + o.direct()
                            + " attempts=" + o.attempts() + " ms=" + o.elapsed().toMillis()));
                }
            }
        });
        awaitStdinClose();
    }

    private static void dial(Host host, Multiaddr relay, PeerId target, long waitMillis) throws Exception {
        natServices(host);
        RelayClient.start(host, Clock.systemUTC());
        Multiaddr circuit = CircuitAddress.listenAddress(relay).withPeerId(target);
        long t0 = System.nanoTime();
        P2pConnection relayed = host.dial(circuit).get(15, TimeUnit.SECONDS);
        long relayedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        out("event=relayed relayed=" + relayed.isRelayed() + " ms=" + relayedMs);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (System.nanoTime() < deadline && host.connection(target).map(P2pConnection::isRelayed).orElse(true)) {
            Thread.sleep(10);
        }
        P2pConnection preferred = host.connection(target).orElseThrow();
        long toDirect = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        out("event=result direct=" + !preferred.isRelayed() + " ms=" + (preferred.isRelayed() ? -1 : toDirect - relayedMs)
                + " remote=" + preferred.remoteAddr());
        int pings = host.ping(target, 3).get(10, TimeUnit.SECONDS).size();
        byte[] data = Echo.payload(256 * 1024, 7);
        Echo.Client echo = new Echo.Client(data);
        preferred.newStream(Echo.Client.handler(echo), Echo.PROTOCOL).get(10, TimeUnit.SECONDS);
        boolean echoed = echo.digest.get(20, TimeUnit.SECONDS).equals(Echo.sha256(data));
        out("event=traffic pings=" + pings + " echo=" + echoed + " relayedStillOpen=" + relayed.isOpen());
    }
}
