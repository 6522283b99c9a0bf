package org.elohim.sync;

/**
 * The durable positions kept per peer: {@code read}, the position of the peer's stream I have
 * fully applied; {@code acked}, the position of my stream the peer acknowledged.
 */
public record PeerState(Position read, Position acked) {
    public static final PeerState NONE = new PeerState(Position.NONE, Position.NONE);
}
