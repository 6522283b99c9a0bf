package org.elohim.p2p.host;

import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Half-open handshakes and garbage are cut off within the limits; the host keeps serving; no thread outlives it. */
class HostRobustnessTest {

    private static HostConfig config(IdentityKey key) {
        HostConfig d = HostConfig.defaults(key);
        return new HostConfig(key, d.agentVersion(), d.yamux(), true, 16, Duration.ZERO, Duration.ofSeconds(1));
    }

    private static Set<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(Collectors.toSet());
    }

    /** Reads until EOF; returns true if the server closed the socket within the timeout. */
    private static boolean closedByServer(Socket s, int timeoutMillis) throws Exception {
        s.setSoTimeout(timeoutMillis);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        long deadline = System.currentTimeMillis() + timeoutMillis;
        try {
            while (System.currentTimeMillis() < deadline) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (java.net.SocketException e) {
            return true; // reset counts as closed
        }
        return false;
    }

    @Test
    void halfOpenHandshakesAndGarbageAreCutOffAndTheHostKeepsServing() throws Exception {
        Set<Thread> before = liveThreads();
        Host server = Host.create(config(IdentityKey.generate()));
        Host client = Host.create(config(IdentityKey.generate()));
        try {
            Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
            InetSocketAddress sa = addr.toInetSocketAddress();

            // silent peer: never says anything
            try (Socket silent = new Socket(sa.getAddress(), sa.getPort())) {
                assertThat(closedByServer(silent, 5000)).isTrue();
            }
            // stops in the middle of the Noise handshake
            try (Socket half = new Socket(sa.getAddress(), sa.getPort())) {
                OutputStream out = half.getOutputStream();
                out.write("\u0013/multistream/1.0.0\n\u0007/noise\n".getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[]{0, 32, 1, 2, 3});
                out.flush();
                assertThat(closedByServer(half, 5000)).isTrue();
            }
            // random garbage
            SplittableRandom r = new SplittableRandom(7);
            for (int i = 0; i < 10; i++) {
                try (Socket junk = new Socket(sa.getAddress(), sa.getPort())) {
                    byte[] b = new byte[1 + r.nextInt(3000)];
                    r.nextBytes(b);
                    if (i % 2 == 0) {
                        byte[] header = "\u0013/multistream/1.0.0\n\u0007/noise\n".getBytes(StandardCharsets.US_ASCII);
                        System.arraycopy(header, 0, b, 0, Math.min(header.length, b.length));
                    }
                    junk.getOutputStream().write(b);
                    junk.getOutputStream().flush();
                    assertThat(closedByServer(junk, 5000)).isTrue();
                }
            }
            // still serving real peers
            P2pConnection ok = client.dial(addr.withPeerId(server.peerId())).get(5, TimeUnit.SECONDS);
            assertThat(client.ping(server.peerId(), 1).get(5, TimeUnit.SECONDS)).hasSize(1);
            assertThat(ok.identified().get(5, TimeUnit.SECONDS).protocols()).contains("/ipfs/ping/1.0.0");
        } finally {
            client.close();
            server.close();
        }
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(liveThreads().stream()
                .filter(t -> !before.contains(t))
                .filter(t -> t.getName().startsWith("multiThreadIoEventLoopGroup"))).isEmpty());
    }

    @Test
    void connectionLimitRefusesExtraPeers() throws Exception {
        IdentityKey key = IdentityKey.generate();
        HostConfig d = HostConfig.defaults(key);
        Host server = Host.create(new HostConfig(key, d.agentVersion(), d.yamux(), true, 2, Duration.ZERO, Duration.ofSeconds(5)));
        Host[] clients = new Host[3];
        try {
            Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                clients[i] = Host.create(HostConfig.defaults(IdentityKey.generate()));
            }
            clients[0].dial(addr.withPeerId(server.peerId())).get(5, TimeUnit.SECONDS).identified().get(5, TimeUnit.SECONDS);
            clients[1].dial(addr.withPeerId(server.peerId())).get(5, TimeUnit.SECONDS).identified().get(5, TimeUnit.SECONDS);
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.connections().size() == 2);
            var third = clients[2].dial(addr.withPeerId(server.peerId()));
            assertThat(third).failsWithin(10, TimeUnit.SECONDS);
            assertThat(server.connections()).hasSize(2);
        } finally {
            for (Host c : clients) {
                if (c != null) {
                    c.close();
                }
            }
            server.close();
        }
    }
}
