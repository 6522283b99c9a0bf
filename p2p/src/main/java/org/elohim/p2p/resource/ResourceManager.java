package org.elohim.p2p.resource;

import org.elohim.p2p.peer.PeerId;

import java.util.HashMap;
import java.util.Map;

import static org.elohim.p2p.resource.ResourceLimitExceededException.Scope;

/**
 * Counts connections and streams against {@link ResourceLimits}. Pure and thread-safe (one lock, no I/O): the
 * host asks before it admits, and releases through the returned scopes, each released at most once.
 */
public final class ResourceManager {

    private volatile ResourceLimits limits;
    private int inbound;
    private int outbound;
    private int pending;
    private int relayed;
    private int streamsIn;
    private int streamsOut;
    private final Map<PeerId, int[]> perPeer = new HashMap<>(); // [connections, streams]

    public ResourceManager(ResourceLimits limits) {
        this.limits = limits;
    }

    public ResourceLimits limits() {
        return limits;
    }

    /** New limits apply to what is admitted from now on; nothing open is closed. */
    public void setLimits(ResourceLimits limits) {
        this.limits = limits;
    }

    /** What is counted now: inbound, outbound, pending, relayed connections; inbound, outbound streams. */
    public synchronized int[] usage() {
        return new int[] {inbound, outbound, pending, relayed, streamsIn, streamsOut};
    }

    public synchronized int connectionsOf(PeerId peer) {
        int[] c = perPeer.get(peer);
        return c == null ? 0 : c[0];
    }

    /** Admits a connection before its handshake (inbound ones count as pending until {@link Connection#established}). */
    public synchronized Connection openConnection(boolean inboundDir, boolean relayedConn) throws ResourceLimitExceededException {
        ResourceLimits l = limits;
        if (inboundDir && inbound >= l.connectionsInbound()) {
            throw new ResourceLimitExceededException(Scope.CONNECTIONS_INBOUND, l.connectionsInbound());
        }
        if (!inboundDir && outbound >= l.connectionsOutbound()) {
            throw new ResourceLimitExceededException(Scope.CONNECTIONS_OUTBOUND, l.connectionsOutbound());
        }
        if (inboundDir && pending >= l.pendingInbound()) {
            throw new ResourceLimitExceededException(Scope.PENDING_INBOUND, l.pendingInbound());
        }
        if (relayedConn && relayed >= l.relayedConnections()) {
            throw new ResourceLimitExceededException(Scope.RELAYED_CONNECTIONS, l.relayedConnections());
        }
        if (inboundDir) {
            inbound++;
            pending++;
        } else {
            outbound++;
        }
        if (relayedConn) {
            relayed++;
        }
        return new Connection(inboundDir, relayedConn);
    }

    /** One admitted connection. */
    public final class Connection implements AutoCloseable {
        private final boolean inboundDir;
        private final boolean relayedConn;
        private PeerId peer;
        private boolean pendingNow;
        private boolean closed;

        private Connection(boolean inboundDir, boolean relayedConn) {
            this.inboundDir = inboundDir;
            this.relayedConn = relayedConn;
            this.pendingNow = inboundDir;
        }

        /** The handshake proved {@code p}: leaves the pending count, counts against the per-peer limit. */
        public void established(PeerId p) throws ResourceLimitExceededException {
            synchronized (ResourceManager.this) {
                if (closed || peer != null) {
                    throw new IllegalStateException("connection closed or already established");
                }
                int[] c = perPeer.computeIfAbsent(p, k -> new int[2]);
                if (c[0] >= limits.connectionsPerPeer()) {
                    if (c[0] == 0 && c[1] == 0) {
                        perPeer.remove(p);
                    }
                    throw new ResourceLimitExceededException(Scope.CONNECTIONS_PER_PEER, limits.connectionsPerPeer());
                }
                c[0]++;
                peer = p;
                if (pendingNow) {
                    pending--;
                    pendingNow = false;
                }
            }
        }

        /** Admits a stream on this (established) connection. */
        public Stream openStream(boolean inboundStream) throws ResourceLimitExceededException {
            synchronized (ResourceManager.this) {
                ResourceLimits l = limits;
                if (closed || peer == null) {
                    throw new IllegalStateException("stream on a connection that is not established");
                }
                if (inboundStream && streamsIn >= l.streamsInbound()) {
                    throw new ResourceLimitExceededException(Scope.STREAMS_INBOUND, l.streamsInbound());
                }
                if (!inboundStream && streamsOut >= l.streamsOutbound()) {
                    throw new ResourceLimitExceededException(Scope.STREAMS_OUTBOUND, l.streamsOutbound());
                }
                int[] c = perPeer.get(peer);
                if (c[1] >= l.streamsPerPeer()) {
                    throw new ResourceLimitExceededException(Scope.STREAMS_PER_PEER, l.streamsPerPeer());
                }
                c[1]++;
                if (inboundStream) {
                    streamsIn++;
                } else {
                    streamsOut++;
                }
                return new Stream(peer, inboundStream);
            }
        }

        @Override
        public void close() {
            synchronized (ResourceManager.this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (inboundDir) {
                    inbound--;
                } else {
                    outbound--;
                }
                if (pendingNow) {
                    pending--;
                }
                if (relayedConn) {
                    relayed--;
                }
                if (peer != null) {
                    int[] c = perPeer.get(peer);
                    c[0]--;
                    if (c[0] == 0 && c[1] == 0) {
                        perPeer.remove(peer);
                    }
                }
            }
        }
    }

    /** One admitted stream. */
    public final class Stream implements AutoCloseable {
        private final PeerId peer;
        private final boolean inboundStream;
        private boolean closed;

        private Stream(PeerId peer, boolean inboundStream) {
            this.peer = peer;
            this.inboundStream = inboundStream;
        }

        @Override
        public void close() {
            synchronized (ResourceManager.this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (inboundStream) {
                    streamsIn--;
                } else {
                    streamsOut--;
                }
                int[] c = perPeer.get(peer);
                c[1]--;
                if (c[0] == 0 && c[1] == 0) {
                    perPeer.remove(peer);
                }
            }
        }
    }
}
