package org.elohim.p2p.relay;

import org.elohim.p2p.multiaddr.Component;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.MultiaddrException;
import org.elohim.p2p.multiaddr.Protocol;
import org.elohim.p2p.peer.PeerId;

import java.util.List;

/**
 * A circuit address {@code <relay transport addr>/p2p/RELAY/p2p-circuit/p2p/TARGET}, split in its parts.
 *
 * @param relayAddr the relay's address, ending in {@code /p2p/RELAY}
 * @param relay     the relay's peer id
 * @param target    the peer behind the relay
 */
public record CircuitAddress(Multiaddr relayAddr, PeerId relay, PeerId target) {

    public static CircuitAddress parse(Multiaddr addr) {
        List<Component> c = addr.components();
        int circuit = -1;
        for (int i = 0; i < c.size(); i++) {
            if (c.get(i).protocol() == Protocol.P2P_CIRCUIT) {
                if (circuit >= 0) {
                    throw new MultiaddrException("stacked circuits are not supported: " + addr);
                }
                circuit = i;
            }
        }
        if (circuit < 1 || c.get(circuit - 1).protocol() != Protocol.P2P) {
            throw new MultiaddrException("circuit address needs /p2p/RELAY before /p2p-circuit: " + addr);
        }
        if (circuit != c.size() - 2 || c.get(circuit + 1).protocol() != Protocol.P2P) {
            throw new MultiaddrException("circuit address needs /p2p/TARGET after /p2p-circuit: " + addr);
        }
        Multiaddr relayAddr = Multiaddr.of(c.subList(0, circuit));
        return new CircuitAddress(relayAddr, PeerId.fromBytes(c.get(circuit - 1).value()),
                PeerId.fromBytes(c.get(circuit + 1).value()));
    }

    /** {@code relayAddr/p2p-circuit}: how we listen through the relay (peers add our {@code /p2p/}). */
    public static Multiaddr listenAddress(Multiaddr relayAddrWithId) {
        return relayAddrWithId.encapsulate(Component.of(Protocol.P2P_CIRCUIT));
    }

    public Multiaddr toMultiaddr() {
        return listenAddress(relayAddr).withPeerId(target);
    }
}
