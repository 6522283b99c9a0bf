package org.elohim.p2p.transport.quic;

import java.time.Duration;

/**
 * @param maxIdleTimeout      a connection silent this long is closed (QUIC idle timeout)
 * @param maxConnectionWindow flow-control credit for the whole connection (bytes)
 * @param maxStreamWindow     flow-control credit per stream (bytes)
 * @param maxInboundStreams   concurrent bidirectional streams the peer may open per connection
 */
public record QuicConfig(Duration maxIdleTimeout, long maxConnectionWindow, long maxStreamWindow, long maxInboundStreams) {

    public static QuicConfig defaults() {
        return new QuicConfig(Duration.ofSeconds(30), 16L << 20, 8L << 20, 256);
    }
}
