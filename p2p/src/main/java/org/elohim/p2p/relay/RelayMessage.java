package org.elohim.p2p.relay;

import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.PeerId;

import java.util.List;
import java.util.Optional;

/** Messages of circuit relay v2: {@link Hop} on {@code /hop}, {@link Stop} on {@code /stop}. */
public sealed interface RelayMessage permits RelayMessage.Hop, RelayMessage.Stop {

    enum HopType { RESERVE, CONNECT, STATUS }

    enum StopType { CONNECT, STATUS }

    /** A peer and (optionally) its addresses. */
    record Peer(PeerId id, List<Multiaddr> addrs) {
        public Peer {
            addrs = List.copyOf(addrs);
        }

        public static Peer of(PeerId id) {
            return new Peer(id, List.of());
        }
    }

    /**
     * @param expire  Unix seconds (UTC) when the reservation ends
     * @param addrs   the relay's addresses for the reserving peer
     * @param voucher signed envelope ({@link Voucher}), if the relay gave one
     */
    record Reservation(long expire, List<Multiaddr> addrs, Optional<byte[]> voucher) {
        public Reservation {
            addrs = List.copyOf(addrs);
        }
    }

    /** Per relayed connection: at most {@code durationSeconds} and {@code dataBytes} per direction. */
    record Limit(Optional<Long> durationSeconds, Optional<Long> dataBytes) {
        public static final Limit NONE = new Limit(Optional.empty(), Optional.empty());
    }

    record Hop(HopType type, Optional<Peer> peer, Optional<Reservation> reservation, Optional<Limit> limit,
               Optional<RelayStatus> status) implements RelayMessage {
        public static Hop reserve() {
            return new Hop(HopType.RESERVE, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }

        public static Hop connect(PeerId target) {
            return new Hop(HopType.CONNECT, Optional.of(Peer.of(target)), Optional.empty(), Optional.empty(), Optional.empty());
        }

        public static Hop status(RelayStatus status) {
            return new Hop(HopType.STATUS, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(status));
        }
    }

    record Stop(StopType type, Optional<Peer> peer, Optional<Limit> limit, Optional<RelayStatus> status)
            implements RelayMessage {
        public static Stop status(RelayStatus status) {
            return new Stop(StopType.STATUS, Optional.empty(), Optional.empty(), Optional.of(status));
        }
    }
}
