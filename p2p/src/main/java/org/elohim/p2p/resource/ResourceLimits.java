package org.elohim.p2p.resource;

/**
 * Limits in the spirit of go-libp2p's resource manager. Connections count from admission (before the
 * handshake) until closed; streams from opening until closed.
 *
 * @param connectionsInbound   connections peers opened to us, handshaking or established
 * @param connectionsOutbound  connections we opened
 * @param pendingInbound       inbound connections still in their security/muxer handshake
 * @param connectionsPerPeer   established connections with one peer, both directions
 * @param relayedConnections   connections through circuit relays, both directions
 * @param streamsInbound       streams peers opened, over all connections
 * @param streamsOutbound      streams we opened, over all connections
 * @param streamsPerPeer       streams with one peer, both directions, over its connections
 */
public record ResourceLimits(int connectionsInbound, int connectionsOutbound, int pendingInbound, int connectionsPerPeer,
                             int relayedConnections, int streamsInbound, int streamsOutbound, int streamsPerPeer) {

    public ResourceLimits {
        if (connectionsInbound < 0 || connectionsOutbound < 0 || pendingInbound < 0 || connectionsPerPeer < 0
                || relayedConnections < 0 || streamsInbound < 0 || streamsOutbound < 0 || streamsPerPeer < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
    }

    /** Roomy for a family node: a few hundred peers, a few thousand streams. */
    public static ResourceLimits defaults() {
        return new ResourceLimits(256, 256, 64, 8, 64, 4096, 4096, 512);
    }

    public ResourceLimits withConnections(int inbound, int outbound, int pending, int perPeer) {
        return new ResourceLimits(inbound, outbound, pending, perPeer, relayedConnections, streamsInbound, streamsOutbound,
                streamsPerPeer);
    }

    public ResourceLimits withStreams(int inbound, int outbound, int perPeer) {
        return new ResourceLimits(connectionsInbound, connectionsOutbound, pendingInbound, connectionsPerPeer,
                relayedConnections, inbound, outbound, perPeer);
    }

    public ResourceLimits withRelayedConnections(int max) {
        return new ResourceLimits(connectionsInbound, connectionsOutbound, pendingInbound, connectionsPerPeer, max,
                streamsInbound, streamsOutbound, streamsPerPeer);
    }
}
