package org.elohim.p2p.transport;

import org.elohim.p2p.peer.PeerId;

import java.time.Duration;
import java.util.Optional;

/**
 * @param expectedPeer   the peer the address names; transports that authenticate themselves (QUIC) check it
 * @param fromListenPort leave from our listen port (SO_REUSEPORT), so that NATs map the dial like the listener
 *                       (hole punching); ignored where the platform cannot share ports
 * @param timeout        connect plus handshake
 */
public record DialOptions(Optional<PeerId> expectedPeer, boolean fromListenPort, Duration timeout) {

    public static DialOptions of(Optional<PeerId> expectedPeer, Duration timeout) {
        return new DialOptions(expectedPeer, false, timeout);
    }

    public DialOptions withFromListenPort(boolean on) {
        return new DialOptions(expectedPeer, on, timeout);
    }
}
