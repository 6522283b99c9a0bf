package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The yamux session state machine, free of I/O: frames in through {@link #onFrame}, frames and stream
 * events out through a {@link YamuxSessionListener}; time comes from an injected nanosecond clock.
 * Not thread-safe: drive it from one thread (the connection's event loop).
 */
public final class YamuxSession {

    private static final long UINT32_MAX = 0xFFFFFFFFL;

    private final boolean initiator;
    private final YamuxConfig config;
    private final LongSupplier nanoClock;
    private final YamuxSessionListener listener;
    private final Map<Integer, StreamState> streams = new HashMap<>();

    private int nextStreamId;
    private int unackedOutbound;
    private boolean localGoAway;
    private boolean remoteGoAway;
    private boolean terminated;

    private long rttNanos = -1;
    private boolean pingOutstanding;
    private int pingOpaque;
    private long pingSentAt;
    private long lastPingAt;

    public YamuxSession(boolean initiator, YamuxConfig config, LongSupplier nanoClock, YamuxSessionListener listener) {
        this.initiator = initiator;
        this.config = config;
        this.nanoClock = nanoClock;
        this.listener = listener;
        this.nextStreamId = initiator ? 1 : 2;
        this.lastPingAt = nanoClock.getAsLong();
    }

    /** Starts the session: an initial ping measures the RTT that window auto-tuning needs (js does the same). */
    public void start() {
        sendPing();
    }

    public boolean isInitiator() {
        return initiator;
    }

    public YamuxConfig config() {
        return config;
    }

    public boolean isTerminated() {
        return terminated;
    }

    public boolean isRemoteGoAway() {
        return remoteGoAway;
    }

    public int streamCount() {
        return streams.size();
    }

    /** Round-trip time of the last answered ping, or -1 before any. */
    public long rttNanos() {
        return rttNanos;
    }

    // ------------------------------------------------------------------ inbound

    /** Applies one frame from the peer. A protocol violation sends GoAway(1) and fails the session. */
    public void onFrame(YamuxFrame frame) {
        if (terminated) {
            release(frame);
            return;
        }
        try {
            if (frame instanceof YamuxFrame.Data d) {
                onStreamFrame(d.streamId(), d.flags(), 0, d.payload());
            } else if (frame instanceof YamuxFrame.WindowUpdate w) {
                onStreamFrame(w.streamId(), w.flags(), w.delta(), null);
            } else if (frame instanceof YamuxFrame.Ping p) {
                onPing(p);
            } else if (frame instanceof YamuxFrame.GoAway g) {
                remoteGoAway = true;
                listener.remoteGoAway(g.errorCode());
            }
        } catch (YamuxProtocolException e) {
            fail(e, YamuxFrame.GoAway.PROTOCOL_ERROR);
        }
    }

    private void onPing(YamuxFrame.Ping p) {
        if (p.hasFlag(YamuxFrame.FLAG_SYN)) {
            listener.sendFrame(new YamuxFrame.Ping(YamuxFrame.FLAG_ACK, p.opaque()));
        } else if (p.hasFlag(YamuxFrame.FLAG_ACK)) {
            if (pingOutstanding && p.opaque() == pingOpaque) {
                pingOutstanding = false;
                rttNanos = Math.max(1, nanoClock.getAsLong() - pingSentAt);
                listener.rttMeasured(rttNanos);
            }
        } else {
            throw new YamuxProtocolException("ping without SYN or ACK");
        }
    }

    private void onStreamFrame(int id, int flags, long delta, ByteBuf payload) {
        try {
            if (id == 0) {
                throw new YamuxProtocolException("stream frame on session stream 0");
            }
            StreamState s = streams.get(id);
            if ((flags & YamuxFrame.FLAG_SYN) != 0) {
                s = acceptStream(id, s);
                if (s == null) {
                    return;
                }
            } else if (s == null) {
                // Frames for a stream we closed or reset race with our RST: ignore them.
                return;
            }
            if ((flags & YamuxFrame.FLAG_ACK) != 0 && !s.acked && s.outbound) {
                s.acked = true;
                unackedOutbound--;
            }
            if (delta > 0) {
                long before = s.sendWindow;
                s.sendWindow += delta;
                if (s.sendWindow > UINT32_MAX) {
                    throw new YamuxProtocolException("send window overflow on stream " + id);
                }
                if (before == 0 && !s.localClosed) {
                    listener.streamWritable(id);
                }
            }
            if (payload != null && payload.isReadable()) {
                int n = payload.readableBytes();
                if (s.remoteClosed) {
                    throw new YamuxProtocolException("data after FIN on stream " + id);
                }
                if (n > s.recvRemaining) {
                    throw new YamuxProtocolException("stream " + id + " window exceeded: " + n + " > " + s.recvRemaining);
                }
                s.recvRemaining -= n;
                s.buffered += n;
                ByteBuf owned = payload;
                payload = null;
                listener.streamData(id, owned);
            }
            if ((flags & YamuxFrame.FLAG_RST) != 0) {
                streams.remove(id);
                forgetUnacked(s);
                listener.streamReset(id);
                return;
            }
            if ((flags & YamuxFrame.FLAG_FIN) != 0 && !s.remoteClosed) {
                s.remoteClosed = true;
                removeIfDone(s);
                listener.streamRemoteClosed(id);
            }
        } finally {
            if (payload != null) {
                payload.release();
            }
        }
    }

    private StreamState acceptStream(int id, StreamState existing) {
        if (existing != null) {
            throw new YamuxProtocolException("duplicate SYN for stream " + id);
        }
        boolean peerParity = initiator ? (id % 2 == 0) : (id % 2 == 1);
        if (!peerParity) {
            throw new YamuxProtocolException("peer opened stream " + id + " with our parity");
        }
        if (localGoAway || streams.size() >= config.maxStreams()) {
            // Over the limit: refuse this stream only, the session stays up.
            listener.sendFrame(new YamuxFrame.WindowUpdate(id, YamuxFrame.FLAG_RST, 0));
            return null;
        }
        StreamState s = new StreamState(id, false, config.initialStreamWindow(), nanoClock.getAsLong());
        s.acked = true;
        streams.put(id, s);
        listener.sendFrame(new YamuxFrame.WindowUpdate(id, YamuxFrame.FLAG_ACK, extraInitialWindow()));
        listener.streamOpened(id);
        return s;
    }

    // ------------------------------------------------------------------ outbound

    /** Opens a stream (WindowUpdate with SYN, as js does) and returns its id. */
    public int openStream() {
        if (terminated || localGoAway || remoteGoAway) {
            throw new YamuxStreamLimitException("session is closing");
        }
        if (streams.size() >= config.maxStreams()) {
            throw new YamuxStreamLimitException("too many streams: " + streams.size());
        }
        if (unackedOutbound >= config.maxAckBacklog()) {
            throw new YamuxStreamLimitException("ack backlog full: " + unackedOutbound + " streams unacknowledged");
        }
        if (nextStreamId < 0) {
            throw new YamuxStreamLimitException("stream ids exhausted");
        }
        int id = nextStreamId;
        nextStreamId += 2;
        StreamState s = new StreamState(id, true, config.initialStreamWindow(), nanoClock.getAsLong());
        streams.put(id, s);
        unackedOutbound++;
        listener.sendFrame(new YamuxFrame.WindowUpdate(id, YamuxFrame.FLAG_SYN, extraInitialWindow()));
        return id;
    }

    /** Bytes the peer currently lets us send on the stream (0 if unknown or closed). */
    public long sendWindow(int id) {
        StreamState s = streams.get(id);
        return s == null || s.localClosed ? 0 : s.sendWindow;
    }

    /**
     * Sends as much of {@code data} as the send window allows, in frames of at most maxFramePayload.
     * Advances {@code data}'s reader index by the amount sent; the caller keeps its reference.
     *
     * @return bytes sent
     */
    public int write(int id, ByteBuf data) {
        StreamState s = streams.get(id);
        if (s == null || s.localClosed || terminated) {
            throw new IllegalStateException("stream " + id + " is not writable");
        }
        int sent = 0;
        while (data.isReadable() && s.sendWindow > 0) {
            int n = (int) Math.min(Math.min(data.readableBytes(), s.sendWindow), config.maxFramePayload());
            s.sendWindow -= n;
            sent += n;
            listener.sendFrame(new YamuxFrame.Data(id, 0, data.readRetainedSlice(n)));
        }
        return sent;
    }

    /** Half-closes our side (FIN). */
    public void closeWrite(int id) {
        StreamState s = streams.get(id);
        if (s == null || s.localClosed) {
            return;
        }
        s.localClosed = true;
        removeIfDone(s);
        listener.sendFrame(new YamuxFrame.WindowUpdate(id, YamuxFrame.FLAG_FIN, 0));
    }

    /** Aborts the stream both ways (RST). */
    public void reset(int id) {
        StreamState s = streams.remove(id);
        if (s == null) {
            return;
        }
        forgetUnacked(s);
        if (!terminated) {
            listener.sendFrame(new YamuxFrame.WindowUpdate(id, YamuxFrame.FLAG_RST, 0));
        }
    }

    /**
     * The stream's reader consumed {@code n} bytes: re-open the window when the peer has used at least half
     * of it, doubling the window (up to the maximum) when updates come faster than four RTTs: that is the
     * sign that the window, not the reader, is limiting throughput.
     */
    public void consumed(int id, int n) {
        StreamState s = streams.get(id);
        if (s == null || terminated) {
            return;
        }
        s.buffered = Math.max(0, s.buffered - n);
        if (s.remoteClosed) {
            return;
        }
        long delta = s.recvWindowMax - s.recvRemaining - s.buffered;
        if (delta < s.recvWindowMax / 2) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (rttNanos > 0 && now - s.epochStart < rttNanos * 4 && s.recvWindowMax < config.maxStreamWindow()) {
            s.recvWindowMax = Math.min(s.recvWindowMax * 2, config.maxStreamWindow());
            delta = s.recvWindowMax - s.recvRemaining - s.buffered;
        }
        s.epochStart = now;
        s.recvRemaining += delta;
        listener.sendFrame(new YamuxFrame.WindowUpdate(id, 0, delta));
    }

    /** Current receive window ceiling of a stream (grows with auto-tuning), or -1 if unknown. */
    public long receiveWindow(int id) {
        StreamState s = streams.get(id);
        return s == null ? -1 : s.recvWindowMax;
    }

    /** Keep-alive: send a ping when due; fail the session if the last one went unanswered too long. */
    public void tick() {
        if (terminated || config.keepAliveInterval().isZero()) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (pingOutstanding) {
            if (now - pingSentAt >= config.keepAliveTimeout().toNanos()) {
                fail(new TimeoutException("yamux keep-alive ping unanswered for " + config.keepAliveTimeout()),
                        YamuxFrame.GoAway.INTERNAL_ERROR);
            }
        } else if (now - lastPingAt >= config.keepAliveInterval().toNanos()) {
            sendPing();
        }
    }

    private void sendPing() {
        if (terminated || pingOutstanding) {
            return;
        }
        pingOpaque++;
        pingOutstanding = true;
        pingSentAt = nanoClock.getAsLong();
        lastPingAt = pingSentAt;
        listener.sendFrame(new YamuxFrame.Ping(YamuxFrame.FLAG_SYN, pingOpaque));
    }

    /** Local close: GoAway(code); streams are reset locally. The caller closes the transport after flushing. */
    public void goAway(int code) {
        if (terminated) {
            return;
        }
        localGoAway = true;
        listener.sendFrame(new YamuxFrame.GoAway(code));
        terminate();
    }

    /** The transport is gone: reset every stream locally without sending anything. */
    public void terminate() {
        if (terminated) {
            return;
        }
        terminated = true;
        List<Integer> ids = new ArrayList<>(streams.keySet());
        streams.clear();
        unackedOutbound = 0;
        for (int id : ids) {
            listener.streamReset(id);
        }
    }

    /** A framing error found before {@link #onFrame} (e.g. by the decoder): GoAway(protocol error), fail. */
    public void protocolError(YamuxProtocolException cause) {
        fail(cause, YamuxFrame.GoAway.PROTOCOL_ERROR);
    }

    /** Whether the stream still exists and the peer has not half-closed it. */
    public boolean isRemoteOpen(int id) {
        StreamState s = streams.get(id);
        return s != null && !s.remoteClosed;
    }

    /** Whether the session still tracks the stream. */
    public boolean hasStream(int id) {
        return streams.containsKey(id);
    }

    private void fail(Exception cause, int goAwayCode) {
        if (terminated) {
            return;
        }
        localGoAway = true;
        listener.sendFrame(new YamuxFrame.GoAway(goAwayCode));
        terminate();
        listener.sessionFailed(cause);
    }

    private long extraInitialWindow() {
        return config.initialStreamWindow() - (long) YamuxConfig.SPEC_INITIAL_WINDOW;
    }

    private void removeIfDone(StreamState s) {
        if (s.localClosed && s.remoteClosed) {
            streams.remove(s.id);
            forgetUnacked(s);
        }
    }

    private void forgetUnacked(StreamState s) {
        if (s.outbound && !s.acked) {
            s.acked = true;
            unackedOutbound--;
        }
    }

    private static void release(YamuxFrame frame) {
        if (frame instanceof YamuxFrame.Data d) {
            d.payload().release();
        }
    }

    private static final class StreamState {
        final int id;
        final boolean outbound;
        boolean acked;
        boolean localClosed;
        boolean remoteClosed;
        long sendWindow;
        long recvWindowMax;
        long recvRemaining;
        long buffered;
        long epochStart;

        StreamState(int id, boolean outbound, int initialWindow, long now) {
            this.id = id;
            this.outbound = outbound;
            // Both sides start from the spec's window; a larger configured one is granted in the SYN/ACK frame.
            this.sendWindow = YamuxConfig.SPEC_INITIAL_WINDOW;
            this.recvWindowMax = initialWindow;
            this.recvRemaining = initialWindow;
            this.epochStart = now;
        }
    }
}
