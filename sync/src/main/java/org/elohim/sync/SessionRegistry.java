package org.elohim.sync;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live sessions, by the peer's proved id (device id, node peer id). Revoking a device ends
 * its sessions on every path at once: {@link #closeAll(String, String)}.
 */
public final class SessionRegistry {
    private final ConcurrentHashMap<String, Set<SyncSession>> byPeer = new ConcurrentHashMap<>();

    /** Registers a live session; the returned handle unregisters it. */
    public AutoCloseable register(SyncSession session) {
        String peer = session.remotePeerId();
        byPeer.computeIfAbsent(peer, k -> ConcurrentHashMap.newKeySet()).add(session);
        return () -> byPeer.computeIfPresent(peer, (k, set) -> {
            set.remove(session);
            return set.isEmpty() ? null : set;
        });
    }

    /** Ends every live session of {@code peerId}; returns how many there were. */
    public int closeAll(String peerId, String reason) {
        Set<SyncSession> sessions = byPeer.get(peerId);
        if (sessions == null) return 0;
        List<SyncSession> copy = List.copyOf(sessions);
        for (SyncSession s : copy) s.close(reason);
        return copy.size();
    }

    /** Peers with at least one live session now. */
    public Set<String> connected() {
        return Set.copyOf(byPeer.keySet());
    }

    public List<SyncSession> sessions(String peerId) {
        Set<SyncSession> sessions = byPeer.get(peerId);
        return sessions == null ? List.of() : List.copyOf(sessions);
    }
}
