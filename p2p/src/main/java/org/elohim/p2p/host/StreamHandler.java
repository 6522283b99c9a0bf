package org.elohim.p2p.host;

/**
 * Sets up a negotiated stream, typically by adding handlers to {@code stream.channel().pipeline()}.
 * Called on the connection's event loop right after multistream-select agreed, before any further byte
 * of the stream is delivered.
 */
@FunctionalInterface
public interface StreamHandler {
    void initStream(P2pStream stream);
}
