package org.elohim.p2p.host;

import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Java host to Java host over real loopback WebSocket (+ Noise + yamux), and hostile HTTP input. */
class WebSocketHostTest {

    private final List<Host> hosts = new ArrayList<>();

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
    void dialIdentifyPingEcho() throws Exception {
        Host server = host();
        Host client = host();
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0/ws")).get(5, TimeUnit.SECONDS);
        assertThat(addr.toString()).startsWith("/ip4/127.0.0.1/tcp/").endsWith("/ws");
        P2pConnection conn = client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS);
        assertThat(conn.transport()).isEqualTo("ws");
        assertThat(conn.muxer()).isEqualTo("/yamux/1.0.0");
        assertThat(conn.remoteAddr()).isEqualTo(addr);
        assertThat(conn.identified().get(5, TimeUnit.SECONDS).listenAddrs()).contains(addr);
        assertThat(client.ping(server.peerId(), 3).get(5, TimeUnit.SECONDS)).hasSize(3);
        byte[] big = Echo.payload(4 * 1024 * 1024, 5);
        Echo.Client c = new Echo.Client(big);
        conn.newStream(Echo.Client.handler(c), Echo.PROTOCOL).get(5, TimeUnit.SECONDS);
        assertThat(c.digest.get(30, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(big));
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.connection(client.peerId())
                .filter(x -> x.transport().equals("ws")).isPresent());
    }

    @Test
    void garbageAndTextMessagesAreRefusedAndTheListenerKeepsServing() throws Exception {
        Host server = host();
        Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0/ws")).get(5, TimeUnit.SECONDS);
        int port = addr.components().get(1).port();
        // Not HTTP at all, then a huge header, then a valid upgrade followed by a text frame.
        for (String junk : List.of("\u0000\u0001garbage\r\n\r\n", "GET / HTTP/1.1\r\nX: " + "a".repeat(20_000) + "\r\n\r\n")) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(junk.getBytes(StandardCharsets.ISO_8859_1));
                assertThat(readUntilClosed(s.getInputStream())).doesNotContain("101 Switching");
            }
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            // masked text frame "hi"
            out.write(new byte[] {(byte) 0x81, (byte) 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2});
            assertThat(readUntilClosed(s.getInputStream())).contains("101 Switching");
        }
        Host client = host();
        assertThat(client.dial(addr.withPeerId(server.peerId())).get(10, TimeUnit.SECONDS).transport()).isEqualTo("ws");
    }

    private static String readUntilClosed(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0 && sb.length() < 100_000) {
                sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("connection not closed by the listener; got: " + sb);
        }
        return sb.toString();
    }
}
