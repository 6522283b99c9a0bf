package org.elohim.p2p.dcutr;

import org.elohim.p2p.multiaddr.Multiaddr;

import java.util.List;

/** DCUtR messages ({@code relay/DCUtR.md}): CONNECT carries the sender's observed addresses, SYNC starts the punch. */
public sealed interface HolePunchMessage permits HolePunchMessage.Connect, HolePunchMessage.Sync {

    record Connect(List<Multiaddr> observedAddrs) implements HolePunchMessage {
        public Connect {
            observedAddrs = List.copyOf(observedAddrs);
        }
    }

    record Sync() implements HolePunchMessage {
    }
}
