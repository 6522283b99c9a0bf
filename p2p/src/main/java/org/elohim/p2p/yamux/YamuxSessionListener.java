package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;

/** Outputs of a {@link YamuxSession}: frames to put on the wire and events for the streams' owners. */
public interface YamuxSessionListener {

    /** A frame to send, in order. A Data frame's payload reference passes to the callee. */
    void sendFrame(YamuxFrame frame);

    /** The peer opened stream {@code streamId} (already acknowledged). */
    void streamOpened(int streamId);

    /** Payload for a stream; the callee owns {@code data} and reports it with {@link YamuxSession#consumed}. */
    void streamData(int streamId, ByteBuf data);

    /** The peer half-closed the stream (FIN): no more data will come. */
    void streamRemoteClosed(int streamId);

    /** The stream was reset (by the peer, or because the session ended). */
    void streamReset(int streamId);

    /** The stream's send window grew: pending writes may continue. */
    void streamWritable(int streamId);

    /** A keep-alive ping was answered. */
    default void rttMeasured(long rttNanos) {
    }

    /** The peer sent GoAway: no new streams will be accepted by it. */
    default void remoteGoAway(int errorCode) {
    }

    /** The session is over: after a protocol violation ({@code cause} non-null) or a keep-alive timeout. */
    void sessionFailed(Exception cause);
}
