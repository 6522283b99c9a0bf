package org.elohim.p2p.host;

import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.resource.ResourceLimitExceededException;
import org.elohim.p2p.resource.ResourceLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The resource manager on real loopback connections: typed refusals, and the host keeps serving. */
class ResourceLimitsHostTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private Host host() {
        Host h = Host.create(HostConfig.defaults(IdentityKey.generate()));
        h.setStreamHandler(Echo.PROTOCOL, Echo.server());
        open.add(h);
        return h;
    }

    @Test
    void pendingHandshakesAreBoundedAndRealPeersStillGetIn() throws Exception {
        Host server = host();
        server.resources().setLimits(ResourceLimits.defaults().withConnections(256, 256, 2, 8));
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
        int port = addr.components().get(1).port();
        Socket idle1 = new Socket("127.0.0.1", port);
        Socket idle2 = new Socket("127.0.0.1", port);
        open.add(idle1);
        open.add(idle2);
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.resources().usage()[2] == 2);
        try (Socket third = new Socket("127.0.0.1", port)) {
            third.setSoTimeout(5000);
            assertThat(third.getInputStream().read()).isEqualTo(-1); // closed at once
        }
        idle1.close();
        idle2.close();
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.resources().usage()[2] == 0);
        assertThat(host().dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS).isOpen()).isTrue();
    }

    @Test
    void streamsPerPeerAreLimitedOnBothSidesWithTypedErrors() throws Exception {
        Host server = host();
        Host client = host();
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
        P2pConnection conn = client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS);
        conn.identified().get(5, TimeUnit.SECONDS);
        await().atMost(5, TimeUnit.SECONDS).until(() -> client.resources().usage()[5] == 0 && server.resources().usage()[4] == 0);

        // Outbound: our own limit refuses the third held-open stream with a typed error.
        client.resources().setLimits(ResourceLimits.defaults().withStreams(4096, 2, 512));
        P2pStream s1 = conn.newStream(Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        P2pStream s2 = conn.newStream(Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> conn.newStream(Echo.PROTOCOL).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ResourceLimitExceededException.class)
                .extracting(e -> ((ResourceLimitExceededException) e).scope())
                .isEqualTo(ResourceLimitExceededException.Scope.STREAMS_OUTBOUND);
        s1.channel().close();
        s2.channel().close();
        await().atMost(5, TimeUnit.SECONDS).until(() -> client.resources().usage()[5] == 0);
        client.resources().setLimits(ResourceLimits.defaults());

        // Inbound: the server resets streams past its per-peer limit; earlier ones keep working.
        server.resources().setLimits(ResourceLimits.defaults().withStreams(4096, 4096, 2));
        P2pStream a = conn.newStream(Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        P2pStream b = conn.newStream(Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> conn.newStream(Echo.PROTOCOL).get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        a.channel().close();
        b.channel().close();
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.resources().usage()[4] == 0);
        byte[] data = Echo.payload(100_000, 1);
        Echo.Client c = new Echo.Client(data);
        conn.newStream(Echo.Client.handler(c), Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        assertThat(c.digest.get(10, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(data));
    }

    @Test
    void secondConnectionFromTheSamePeerIsRefusedPastThePerPeerLimit() throws Exception {
        Host server = host();
        server.resources().setLimits(ResourceLimits.defaults().withConnections(256, 256, 64, 1));
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
        Host client = host();
        client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS);
        // dialDirect opens a new connection even though one exists; the server refuses it
        P2pConnection second;
        try {
            second = client.dialDirect(addr.withPeerId(server.peerId()), true).get(10, TimeUnit.SECONDS);
            await().atMost(5, TimeUnit.SECONDS).until(() -> !second.isOpen());
        } catch (ExecutionException refused) {
            // refused during the upgrade: equally fine
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.resources().connectionsOf(client.peerId()) == 1);
        assertThat(server.connections()).hasSize(1);
    }
}
