package org.elohim.p2p.relay;

import org.elohim.p2p.peer.PeerId;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The relay's bookkeeping, pure (times are passed in): reservations with expiry and per-IP limits, and open
 * circuits with total and per-peer limits. Not thread-safe: the relay service serializes calls.
 */
final class ReservationTable {

    private record Entry(String ip, long expiresMillis) {
    }

    private final RelayConfig config;
    private final Map<PeerId, Entry> reservations = new HashMap<>();
    private final Map<PeerId, Integer> circuitsPerPeer = new HashMap<>();
    private int circuits;

    ReservationTable(RelayConfig config) {
        this.config = config;
    }

    /** Reserves (or refreshes) a slot for {@code peer} connected from {@code ip}; returns OK or the refusal. */
    RelayStatus reserve(PeerId peer, String ip, long nowMillis) {
        expire(nowMillis);
        Entry existing = reservations.get(peer);
        if (existing == null) {
            if (reservations.size() >= config.maxReservations()) {
                return RelayStatus.RESERVATION_REFUSED;
            }
            long fromIp = reservations.values().stream().filter(e -> e.ip.equals(ip)).count();
            if (fromIp >= config.maxReservationsPerIp()) {
                return RelayStatus.RESERVATION_REFUSED;
            }
        }
        reservations.put(peer, new Entry(ip, nowMillis + config.reservationTtl().toMillis()));
        return RelayStatus.OK;
    }

    /** Expiry (epoch millis) of {@code peer}'s reservation, or -1 without one. */
    long expiry(PeerId peer, long nowMillis) {
        Entry e = reservations.get(peer);
        return e == null || e.expiresMillis <= nowMillis ? -1 : e.expiresMillis;
    }

    void cancel(PeerId peer) {
        reservations.remove(peer);
    }

    /** Admits a circuit from {@code src} to {@code dst}: dst needs a live reservation, limits must hold. */
    RelayStatus openCircuit(PeerId src, PeerId dst, long nowMillis) {
        if (expiry(dst, nowMillis) < 0) {
            return RelayStatus.NO_RESERVATION;
        }
        if (circuits >= config.maxCircuits() || count(src) >= config.maxCircuitsPerPeer()
                || count(dst) >= config.maxCircuitsPerPeer()) {
            return RelayStatus.RESOURCE_LIMIT_EXCEEDED;
        }
        circuits++;
        circuitsPerPeer.merge(src, 1, Integer::sum);
        circuitsPerPeer.merge(dst, 1, Integer::sum);
        return RelayStatus.OK;
    }

    void closeCircuit(PeerId src, PeerId dst) {
        circuits--;
        circuitsPerPeer.computeIfPresent(src, (k, v) -> v <= 1 ? null : v - 1);
        circuitsPerPeer.computeIfPresent(dst, (k, v) -> v <= 1 ? null : v - 1);
    }

    int circuits() {
        return circuits;
    }

    int reservations() {
        return reservations.size();
    }

    private int count(PeerId p) {
        return circuitsPerPeer.getOrDefault(p, 0);
    }

    private void expire(long nowMillis) {
        for (Iterator<Entry> it = reservations.values().iterator(); it.hasNext(); ) {
            if (it.next().expiresMillis <= nowMillis) {
                it.remove();
            }
        }
    }
}
