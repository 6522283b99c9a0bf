package org.elohim.p2p.host;

import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.yamux.YamuxConfig;

import org.elohim.p2p.multiaddr.Multiaddr;

import java.time.Duration;
import java.util.List;

/**
 * @param identity          the host's Ed25519 identity (its peer id)
 * @param agentVersion      announced through identify
 * @param yamux             muxer limits
 * @param inlineMuxer       announce our muxers in the Noise handshake (skipping a multistream-select round trip
 *                          when the peer does too); off forces the muxer's multistream-select negotiation
 * @param maxConnections    connections beyond this are refused (inbound) or fail (outbound)
 * @param idleTimeout       a connection without streams for this long is closed; zero disables
 * @param handshakeTimeout  TCP connect + security + muxer negotiation must finish within this
 * @param listenAddrs       what {@link Host#listenAll()} binds, any mix of {@code /tcp/N}, {@code /tcp/N/ws},
 *                          {@code /udp/N/quic-v1}
 */
public record HostConfig(
        IdentityKey identity,
        String agentVersion,
        YamuxConfig yamux,
        boolean inlineMuxer,
        int maxConnections,
        Duration idleTimeout,
        Duration handshakeTimeout,
        List<Multiaddr> listenAddrs) {

    public HostConfig {
        listenAddrs = List.copyOf(listenAddrs);
    }

    public HostConfig(IdentityKey identity, String agentVersion, YamuxConfig yamux, boolean inlineMuxer,
                      int maxConnections, Duration idleTimeout, Duration handshakeTimeout) {
        this(identity, agentVersion, yamux, inlineMuxer, maxConnections, idleTimeout, handshakeTimeout, List.of());
    }

    public static final String DEFAULT_AGENT = "elohim-node/0.1.0";

    public static HostConfig defaults(IdentityKey identity) {
        return new HostConfig(identity, DEFAULT_AGENT, YamuxConfig.defaults(), true, 256, Duration.ZERO,
                Duration.ofSeconds(15));
    }

    public HostConfig withInlineMuxer(boolean inline) {
        return new HostConfig(identity, agentVersion, yamux, inline, maxConnections, idleTimeout, handshakeTimeout, listenAddrs);
    }

    public HostConfig withIdleTimeout(Duration idle) {
        return new HostConfig(identity, agentVersion, yamux, inlineMuxer, maxConnections, idle, handshakeTimeout, listenAddrs);
    }

    public HostConfig withMaxConnections(int max) {
        return new HostConfig(identity, agentVersion, yamux, inlineMuxer, max, idleTimeout, handshakeTimeout, listenAddrs);
    }

    public HostConfig withListenAddrs(List<Multiaddr> addrs) {
        return new HostConfig(identity, agentVersion, yamux, inlineMuxer, maxConnections, idleTimeout, handshakeTimeout, addrs);
    }

    public HostConfig withYamux(YamuxConfig config) {
        return new HostConfig(identity, agentVersion, config, inlineMuxer, maxConnections, idleTimeout, handshakeTimeout, listenAddrs);
    }
}
