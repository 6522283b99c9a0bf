package org.elohim.p2p.relay;

import java.time.Duration;

/**
 * Limits of the relay service.
 *
 * @param reservationTtl         how long a reservation lasts (clients refresh before it ends)
 * @param maxReservations        reservations held at once
 * @param maxReservationsPerIp   reservations from one IP address (many peer ids from one host)
 * @param maxCircuits            relayed connections open at once
 * @param maxCircuitsPerPeer     relayed connections one peer is part of (as source or destination)
 * @param circuitDuration        a relayed connection is closed after this
 * @param circuitDataBytes       ... or after this many bytes in one direction
 */
public record RelayConfig(Duration reservationTtl, int maxReservations, int maxReservationsPerIp, int maxCircuits,
                          int maxCircuitsPerPeer, Duration circuitDuration, long circuitDataBytes) {

    /** The defaults of go-libp2p and js-libp2p: 1 h reservations, 2 min / 128 KiB per relayed connection. */
    public static RelayConfig defaults() {
        return new RelayConfig(Duration.ofHours(1), 128, 8, 64, 8, Duration.ofMinutes(2), 128 * 1024);
    }

    public RelayConfig withCircuitLimits(Duration duration, long dataBytes) {
        return new RelayConfig(reservationTtl, maxReservations, maxReservationsPerIp, maxCircuits, maxCircuitsPerPeer,
                duration, dataBytes);
    }

    public RelayConfig withReservationTtl(Duration ttl) {
        return new RelayConfig(ttl, maxReservations, maxReservationsPerIp, maxCircuits, maxCircuitsPerPeer,
                circuitDuration, circuitDataBytes);
    }

    public RelayConfig withMaxReservations(int total, int perIp) {
        return new RelayConfig(reservationTtl, total, perIp, maxCircuits, maxCircuitsPerPeer, circuitDuration,
                circuitDataBytes);
    }

    public RelayConfig withMaxCircuits(int total, int perPeer) {
        return new RelayConfig(reservationTtl, maxReservations, maxReservationsPerIp, total, perPeer, circuitDuration,
                circuitDataBytes);
    }
}
