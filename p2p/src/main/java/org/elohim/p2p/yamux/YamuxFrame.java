package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;

/**
 * One yamux frame (yamux spec: 12-byte header version/type/flags/streamId/length).
 * The header's length field means payload size for Data, window delta for WindowUpdate,
 * opaque value for Ping and error code for GoAway.
 */
public sealed interface YamuxFrame {

    int VERSION = 0;
    int HEADER_LENGTH = 12;

    int TYPE_DATA = 0;
    int TYPE_WINDOW_UPDATE = 1;
    int TYPE_PING = 2;
    int TYPE_GO_AWAY = 3;

    int FLAG_SYN = 1;
    int FLAG_ACK = 2;
    int FLAG_FIN = 4;
    int FLAG_RST = 8;

    int type();

    int flags();

    int streamId();

    default boolean hasFlag(int flag) {
        return (flags() & flag) != 0;
    }

    /** Payload bytes for a stream. The record owns one reference of {@code payload}. */
    record Data(int streamId, int flags, ByteBuf payload) implements YamuxFrame {
        public int type() {
            return TYPE_DATA;
        }

        public int length() {
            return payload.readableBytes();
        }
    }

    /** Grants the peer {@code delta} more bytes of send window; also carries SYN/ACK/FIN/RST. */
    record WindowUpdate(int streamId, int flags, long delta) implements YamuxFrame {
        public WindowUpdate {
            if (delta < 0 || delta > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("window delta out of range: " + delta);
            }
        }

        public int type() {
            return TYPE_WINDOW_UPDATE;
        }
    }

    /** Session-level liveness probe (stream 0); SYN asks, ACK answers with the same opaque value. */
    record Ping(int flags, int opaque) implements YamuxFrame {
        public int type() {
            return TYPE_PING;
        }

        public int streamId() {
            return 0;
        }
    }

    /** Session termination (stream 0). */
    record GoAway(int errorCode) implements YamuxFrame {
        public static final int NORMAL = 0;
        public static final int PROTOCOL_ERROR = 1;
        public static final int INTERNAL_ERROR = 2;

        public int type() {
            return TYPE_GO_AWAY;
        }

        public int flags() {
            return 0;
        }

        public int streamId() {
            return 0;
        }
    }
}
