package org.elohim.p2p.nat;

import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.PeerId;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Our addresses as other peers see them (identify's observedAddr), pure: each candidate remembers which peers
 * reported it and when. Candidates are only guesses: they are handed to hole punching at once, but advertised
 * only after AutoNAT confirmed them ({@link #confirm}). Bounded: at most {@code MAX_CANDIDATES}, the least
 * reported and oldest dropped first.
 */
public final class ObservedAddresses {

    static final int MAX_CANDIDATES = 16;

    private static final class Candidate {
        final Set<PeerId> observers = new HashSet<>();
        long lastSeen;
        Boolean reachable;
    }

    private final long ttlMillis;
    private final Map<Multiaddr, Candidate> candidates = new LinkedHashMap<>();

    public ObservedAddresses(long ttlMillis) {
        this.ttlMillis = ttlMillis;
    }

    public synchronized void observed(Multiaddr addr, PeerId observer, long nowMillis) {
        expire(nowMillis);
        Candidate c = candidates.get(addr);
        if (c == null) {
            if (candidates.size() >= MAX_CANDIDATES) {
                Multiaddr weakest = candidates.entrySet().stream()
                        .min(Comparator.comparingInt((Map.Entry<Multiaddr, Candidate> e) -> e.getValue().observers.size())
                                .thenComparingLong(e -> e.getValue().lastSeen)).get().getKey();
                candidates.remove(weakest);
            }
            c = new Candidate();
            candidates.put(addr, c);
        }
        if (c.observers.size() < 64) {
            c.observers.add(observer);
        }
        c.lastSeen = nowMillis;
    }

    /** Unconfirmed and confirmed candidates, most observers first. */
    public synchronized List<Multiaddr> candidates(long nowMillis) {
        expire(nowMillis);
        List<Map.Entry<Multiaddr, Candidate>> list = new ArrayList<>(candidates.entrySet());
        list.sort(Comparator.comparingInt((Map.Entry<Multiaddr, Candidate> e) -> -e.getValue().observers.size()));
        return list.stream().filter(e -> !Boolean.FALSE.equals(e.getValue().reachable)).map(Map.Entry::getKey).toList();
    }

    /** Candidates no AutoNAT server has tested yet. */
    public synchronized List<Multiaddr> untested(long nowMillis) {
        expire(nowMillis);
        return candidates.entrySet().stream().filter(e -> e.getValue().reachable == null).map(Map.Entry::getKey).toList();
    }

    /** Records an AutoNAT result for a candidate (ignored if it is not one). */
    public synchronized void confirm(Multiaddr addr, boolean reachable, long nowMillis) {
        Candidate c = candidates.get(addr);
        if (c != null) {
            c.reachable = reachable;
            c.lastSeen = nowMillis;
        }
    }

    /** Addresses AutoNAT confirmed reachable: these may be advertised. */
    public synchronized List<Multiaddr> confirmed(long nowMillis) {
        expire(nowMillis);
        return candidates.entrySet().stream().filter(e -> Boolean.TRUE.equals(e.getValue().reachable))
                .map(Map.Entry::getKey).toList();
    }

    /** PUBLIC if an address was confirmed, PRIVATE if all tested ones failed, else UNKNOWN. */
    public synchronized org.elohim.p2p.host.Reachability reachability(long nowMillis) {
        expire(nowMillis);
        boolean anyTested = false;
        for (Candidate c : candidates.values()) {
            if (Boolean.TRUE.equals(c.reachable)) {
                return org.elohim.p2p.host.Reachability.PUBLIC;
            }
            anyTested |= c.reachable != null;
        }
        return anyTested ? org.elohim.p2p.host.Reachability.PRIVATE : org.elohim.p2p.host.Reachability.UNKNOWN;
    }

    private void expire(long nowMillis) {
        candidates.values().removeIf(c -> nowMillis - c.lastSeen > ttlMillis);
    }

    /** For tests: observers of a candidate. */
    synchronized int observers(Multiaddr addr) {
        Candidate c = candidates.get(addr);
        return c == null ? 0 : c.observers.size();
    }

    static Map<Multiaddr, Integer> snapshot(ObservedAddresses o) {
        Map<Multiaddr, Integer> m = new HashMap<>();
        o.candidates.forEach((k, v) -> m.put(k, v.observers.size()));
        return m;
    }
}
