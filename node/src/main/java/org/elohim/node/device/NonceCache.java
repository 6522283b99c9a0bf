package org.elohim.node.device;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * Remembers the nonces seen within the accepted clock window so a captured signature cannot be
 * replayed. Bounded: entries older than the window are dropped, and when the cache is full new
 * requests are refused rather than letting memory grow. Pure: time is passed in.
 */
public final class NonceCache {
    private record Seen(String key, long atMillis) {
    }

    private final long retainMillis;
    private final int capacity;
    private final Set<String> keys = new HashSet<>();
    private final ArrayDeque<Seen> order = new ArrayDeque<>();

    public NonceCache(long retainMillis, int capacity) {
        this.retainMillis = retainMillis;
        this.capacity = capacity;
    }

    public enum Outcome { FRESH, REPLAYED, FULL }

    /** Records {@code deviceId/nonce} seen at {@code nowMillis}. */
    public synchronized Outcome record(String deviceId, String nonce, long nowMillis) {
        while (!order.isEmpty() && order.peekFirst().atMillis() < nowMillis - retainMillis) {
            keys.remove(order.pollFirst().key());
        }
        String key = deviceId + '\n' + nonce;
        if (keys.contains(key)) return Outcome.REPLAYED;
        if (keys.size() >= capacity) return Outcome.FULL;
        keys.add(key);
        order.addLast(new Seen(key, nowMillis));
        return Outcome.FRESH;
    }

    public synchronized int size() {
        return keys.size();
    }
}
