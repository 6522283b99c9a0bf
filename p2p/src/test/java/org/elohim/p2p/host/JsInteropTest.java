package org.elohim.p2p.host;

import com.fasterxml.jackson.databind.JsonNode;
import org.elohim.p2p.identify.IdentifyMessage;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.ping.PingService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Interop with a real js-libp2p 3.3.11 node (TCP, Noise, yamux, identify, ping) in both directions and with
 * both muxer negotiations: inlined in the Noise handshake, and multistream-select after it.
 */
class JsInteropTest {

    private static final int TEN_MIB = 10 * 1024 * 1024;

    private JsPeer js;
    private Host host;
    private final List<String> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (host != null) {
            host.close();
        }
        if (js != null) {
            js.close();
        }
    }

    private Host javaHost(boolean inlineMuxer) {
        host = Host.create(HostConfig.defaults(IdentityKey.generate()).withInlineMuxer(inlineMuxer));
        host.setStreamHandler(Echo.PROTOCOL, Echo.server());
        host.addListener(new HostListener() {
            @Override
            public void connected(P2pConnection c) {
                events.add("connected " + c.remotePeer());
            }

            @Override
            public void disconnected(P2pConnection c) {
                events.add("disconnected " + c.remotePeer());
            }
        });
        return host;
    }

    private static String[] jsArgs(boolean inlineMuxer, String... more) {
        List<String> args = new ArrayList<>(List.of(more));
        if (!inlineMuxer) {
            args.add("--no-inline-muxer");
        }
        return args.toArray(new String[0]);
    }

    @ParameterizedTest(name = "inline muxer {0}")
    @ValueSource(booleans = {true, false})
    void javaDialsJs(boolean inline) throws Exception {
        js = JsPeer.start(jsArgs(inline, "--listen"));
        javaHost(inline);
        Multiaddr jsAddr = Multiaddr.parse(js.address());
        P2pConnection conn = host.dial(jsAddr).get(15, TimeUnit.SECONDS);
        assertThat(conn.remotePeer()).isEqualTo(PeerId.parse(js.peerId()));
        assertThat(conn.isMuxerInlined()).isEqualTo(inline);
        exercise(conn, jsAddr.withoutPeerId(), false);
    }

    @ParameterizedTest(name = "inline muxer {0}")
    @ValueSource(booleans = {true, false})
    void jsDialsJava(boolean inline) throws Exception {
        js = JsPeer.start(jsArgs(inline));
        javaHost(inline);
        Multiaddr listen = host.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS);
        JsonNode dialed = js.command(JsPeer.cmd("dial").put("addr", listen.withPeerId(host.peerId()).toString()), 20);
        assertThat(dialed.get("peer").asText()).isEqualTo(host.peerId().toBase58());
        assertThat(dialed.get("multiplexer").asText()).isEqualTo("/yamux/1.0.0");
        assertThat(dialed.get("encryption").asText()).isEqualTo("/noise");
        PeerId jsPeer = PeerId.parse(js.peerId());
        await().atMost(10, TimeUnit.SECONDS).until(() -> host.connection(jsPeer).isPresent());
        P2pConnection conn = host.connection(jsPeer).orElseThrow();
        assertThat(conn.direction()).isEqualTo(P2pConnection.Direction.INBOUND);
        assertThat(conn.isMuxerInlined()).isEqualTo(inline);
        exercise(conn, null, true);
    }

    /** Everything the issue asks of one connection, whoever dialed it. */
    private void exercise(P2pConnection conn, Multiaddr jsListenAddr, boolean jsCloses) throws Exception {
        PeerId jsPeer = conn.remotePeer();
        String javaPeer = host.peerId().toBase58();

        // identify, Java's view of js
        IdentifyMessage id = conn.identified().get(15, TimeUnit.SECONDS);
        assertThat(id.agentVersion().orElseThrow()).startsWith("js-libp2p/3.3.11");
        assertThat(id.protocolVersion()).contains("ipfs/0.1.0");
        assertThat(id.protocols()).contains("/ipfs/id/1.0.0", PingService.PROTOCOL, Echo.PROTOCOL);
        assertThat(PeerId.fromPublicKey(id.publicKey().orElseThrow())).isEqualTo(jsPeer);
        if (jsListenAddr != null) {
            assertThat(id.listenAddrs()).contains(jsListenAddr);
        }
        assertThat(id.observedAddr().orElseThrow().withoutPeerId()).isEqualTo(conn.localAddr());

        // identify, js's view of Java
        JsonNode jsId = js.event(e -> "identify".equals(e.path("event").asText())
                && javaPeer.equals(e.path("peer").asText()), 15);
        assertThat(jsId.get("agentVersion").asText()).isEqualTo(HostConfig.DEFAULT_AGENT);
        assertThat(jsId.get("protocolVersion").asText()).isEqualTo("ipfs/0.1.0");
        assertThat(texts(jsId.get("protocols"))).contains(Echo.PROTOCOL, PingService.PROTOCOL, "/ipfs/id/1.0.0");
        assertThat(Multiaddr.parse(jsId.get("observedAddr").asText()).withoutPeerId()).isEqualTo(conn.remoteAddr());
        assertThat(texts(jsId.get("listenAddrs"))).containsExactlyElementsOf(
                host.listenAddresses().stream().map(Multiaddr::toString).toList());

        // identify push both ways: a new protocol on one side reaches the other
        js.command(JsPeer.cmd("handle").put("protocol", "/elohim/js-pushed/1.0.0"), 10);
        await().atMost(10, TimeUnit.SECONDS).until(() -> conn.identify().protocols().contains("/elohim/js-pushed/1.0.0"));
        host.setStreamHandler("/elohim/java-pushed/1.0.0", s -> s.channel().close());
        js.event(e -> "identify".equals(e.path("event").asText()) && javaPeer.equals(e.path("peer").asText())
                && texts(e.get("protocols")).contains("/elohim/java-pushed/1.0.0"), 10);

        // ping both ways
        List<Duration> rtts = host.ping(jsPeer, 3).get(10, TimeUnit.SECONDS);
        assertThat(rtts).hasSize(3).allSatisfy(d -> assertThat(d).isLessThan(Duration.ofSeconds(5)));
        JsonNode jsPing = js.command(JsPeer.cmd("ping").put("peer", javaPeer).put("count", 3), 15);
        assertThat(jsPing.get("rtts")).hasSize(3);

        // 10 MiB echo each way
        byte[] big = Echo.payload(TEN_MIB, 7);
        Echo.Client client = new Echo.Client(big);
        conn.newStream(Echo.Client.handler(client), Echo.PROTOCOL).get(10, TimeUnit.SECONDS);
        assertThat(client.digest.get(60, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(big));
        JsonNode jsEcho = js.command(JsPeer.cmd("echo").put("peer", javaPeer).put("size", TEN_MIB).put("streams", 1), 60);
        assertThat(jsEcho.get("ok").asBoolean()).isTrue();
        assertThat(jsEcho.get("streams").asInt()).isEqualTo(1);

        // 50 concurrent streams each way on the same connection
        List<Echo.Client> clients = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Echo.Client c = new Echo.Client(Echo.payload(64 * 1024 + i, i));
            clients.add(c);
            conn.newStream(Echo.Client.handler(c), Echo.PROTOCOL);
        }
        for (int i = 0; i < 50; i++) {
            assertThat(clients.get(i).digest.get(30, TimeUnit.SECONDS)).isEqualTo(Echo.sha256(Echo.payload(64 * 1024 + i, i)));
        }
        JsonNode jsMany = js.command(JsPeer.cmd("echo").put("peer", javaPeer).put("size", 64 * 1024).put("streams", 50), 60);
        assertThat(jsMany.get("ok").asBoolean()).isTrue();
        assertThat(jsMany.get("streams").asInt()).isEqualTo(50);
        assertThat(host.connections()).hasSize(1);

        // clean close from either side: both see the disconnect, Java drops the connection
        if (jsCloses) {
            js.command(JsPeer.cmd("hangup").put("peer", javaPeer), 10);
        } else {
            conn.close().get(5, TimeUnit.SECONDS);
        }
        js.event(e -> "disconnect".equals(e.path("event").asText()) && javaPeer.equals(e.path("peer").asText()), 10);
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.contains("disconnected " + jsPeer));
        assertThat(host.connections()).isEmpty();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
