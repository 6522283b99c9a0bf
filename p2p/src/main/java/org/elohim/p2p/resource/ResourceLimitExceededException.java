package org.elohim.p2p.resource;

import java.io.IOException;

/** A connection or stream refused because a limit is reached; says which one. */
public class ResourceLimitExceededException extends IOException {

    /** Which limit of {@link ResourceLimits} refused. */
    public enum Scope {
        CONNECTIONS_INBOUND, CONNECTIONS_OUTBOUND, PENDING_INBOUND, CONNECTIONS_PER_PEER, RELAYED_CONNECTIONS,
        STREAMS_INBOUND, STREAMS_OUTBOUND, STREAMS_PER_PEER
    }

    private final Scope scope;
    private final int limit;

    public ResourceLimitExceededException(Scope scope, int limit) {
        super(scope.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " limit " + limit + " reached");
        this.scope = scope;
        this.limit = limit;
    }

    public Scope scope() {
        return scope;
    }

    public int limit() {
        return limit;
    }
}
