package org.elohim.p2p.yamux;

import java.time.Duration;

/**
 * Limits and timers of a yamux session.
 *
 * @param initialStreamWindow receive window each stream starts with (spec: 256 KiB; the peer assumes it too)
 * @param maxStreamWindow     ceiling of receive-window auto-tuning; also the largest accepted Data frame
 * @param maxFramePayload     largest Data payload we send (fits one Noise frame with the 12-byte header)
 * @param maxStreams          concurrent streams per session; streams the peer opens beyond it are reset
 * @param maxAckBacklog       outbound streams the peer has not acknowledged yet before opening more fails
 * @param keepAliveInterval   ping period; zero disables keep-alive
 * @param keepAliveTimeout    a ping unanswered this long fails the session
 */
public record YamuxConfig(
        int initialStreamWindow,
        int maxStreamWindow,
        int maxFramePayload,
        int maxStreams,
        int maxAckBacklog,
        Duration keepAliveInterval,
        Duration keepAliveTimeout) {

    public static final int SPEC_INITIAL_WINDOW = 256 * 1024;

    public YamuxConfig {
        if (initialStreamWindow < SPEC_INITIAL_WINDOW) {
            throw new IllegalArgumentException("initial window below the spec's 256 KiB");
        }
        if (maxStreamWindow < initialStreamWindow) {
            throw new IllegalArgumentException("max window below initial window");
        }
        if (maxFramePayload <= 0 || maxStreams <= 0 || maxAckBacklog <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public static YamuxConfig defaults() {
        return new YamuxConfig(SPEC_INITIAL_WINDOW, 16 * 1024 * 1024, 65519 - YamuxFrame.HEADER_LENGTH,
                256, 256, Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    public YamuxConfig withMaxStreams(int n) {
        return new YamuxConfig(initialStreamWindow, maxStreamWindow, maxFramePayload, n, maxAckBacklog,
                keepAliveInterval, keepAliveTimeout);
    }

    public YamuxConfig withMaxAckBacklog(int n) {
        return new YamuxConfig(initialStreamWindow, maxStreamWindow, maxFramePayload, maxStreams, n,
                keepAliveInterval, keepAliveTimeout);
    }

    public YamuxConfig withKeepAlive(Duration interval, Duration timeout) {
        return new YamuxConfig(initialStreamWindow, maxStreamWindow, maxFramePayload, maxStreams, maxAckBacklog,
                interval, timeout);
    }
}
