package org.elohim.sync;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.elohim.api.v1.Hello;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of one sync relationship (docs/SYNC-PROTOCOL.md), the same for a node serving a
 * device, two nodes, and the device SDK. A state machine fed by the peer's messages
 * ({@link #receive}), by my store's commits ({@link #onLocalCommit}) and by time ({@link #tick});
 * it talks to storage only through {@link SyncStore} futures and asks {@link SyncPolicy} before
 * anything crosses the boundary.
 *
 * <p>Threads: every entry point only enqueues; all state is touched on the session's own serial
 * executor, so a network thread or a storage completion thread never runs session logic nor
 * waits for it. A burst of commits wakes the session once.
 *
 * <p>Bounds: at most {@link Config#inboundWindow} peer messages are taken at a time (granted to
 * the transport with {@link SyncTransport#request}); each is released when its storage work is
 * done. Events are produced only while the transport is writable, a few batches ahead of Acks.
 *
 * <p>Failures: bad input (malformed, too large, denied) is answered with a typed SyncError and the
 * session goes on; a storage failure ends the session at once, before anything past it is
 * acknowledged (the peer resends from its last Ack next time).
 */
public final class SyncSession {
    private static final Logger log = LoggerFactory.getLogger(SyncSession.class);
    public static final int PROTOCOL_VERSION = 1;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** Bounds the work (and open requests) one incoming Events message can cause. */
    public static final int MAX_EVENTS_PER_BATCH = 16_384;
    /** DocRequests awaiting their answer (and its merge) at a time; beyond, they wait for answers. */
    public static final int MAX_OUTSTANDING_REQUESTS = 256;
    static final int MESSAGE_OVERHEAD = 4096;

    /**
     * {@code remotePeerId}: the peer's PROVED identity, the key of its durable positions.
     * Batches: events per Events message and batches sent ahead of Acks. Timeouts (session
     * clock): resend an unanswered DocRequest; go back to the last Ack. {@code inboundWindow}:
     * peer messages taken at a time. {@code sendBeforeHello}: send my events right after my Hello
     * from the position the peer last acknowledged (a device in sync knows it after one round trip).
     */
    public record Config(String localPeerId, String remotePeerId, int eventsPerBatch, int batchesInFlight,
                         int maxMessageBytes, long requestTimeoutMillis, long ackTimeoutMillis, int inboundWindow,
                         boolean sendBeforeHello) {
        public static Config defaults(String localPeerId, String remotePeerId) {
            return new Config(localPeerId, remotePeerId, 256, 4, DEFAULT_MAX_MESSAGE_BYTES, 30_000, 60_000, 64, true);
        }

        public Config withBatching(int eventsPerBatch, int batchesInFlight) {
            return new Config(localPeerId, remotePeerId, eventsPerBatch, batchesInFlight, maxMessageBytes,
                    requestTimeoutMillis, ackTimeoutMillis, inboundWindow, sendBeforeHello);
        }

        public Config withMaxMessageBytes(int bytes) {
            return new Config(localPeerId, remotePeerId, eventsPerBatch, batchesInFlight, bytes,
                    requestTimeoutMillis, ackTimeoutMillis, inboundWindow, sendBeforeHello);
        }

        public Config withTimeouts(long requestMillis, long ackMillis) {
            return new Config(localPeerId, remotePeerId, eventsPerBatch, batchesInFlight, maxMessageBytes,
                    requestMillis, ackMillis, inboundWindow, sendBeforeHello);
        }

        public Config withInboundWindow(int messages) {
            return new Config(localPeerId, remotePeerId, eventsPerBatch, batchesInFlight, maxMessageBytes,
                    requestTimeoutMillis, ackTimeoutMillis, Math.max(1, messages), sendBeforeHello);
        }

        public Config withSendBeforeHello(boolean early) {
            return new Config(localPeerId, remotePeerId, eventsPerBatch, batchesInFlight, maxMessageBytes,
                    requestTimeoutMillis, ackTimeoutMillis, inboundWindow, early);
        }
    }

    /** Called on the session's executor. */
    public interface Listener {
        /** Changes of {@code docId} received from the peer are durable. */
        default void documentApplied(String docId) {
        }

        /** Both directions caught up and acknowledged, nothing in flight. */
        default void inSync() {
        }

        default void ended(SyncTransport.SessionEnd end) {
        }
    }

    /** A snapshot for status pages and tests (refreshed after every step of the session). */
    public record Status(boolean started, boolean helloReceived, boolean ended, Position readPosition,
                         long sentThrough, long peerAcked, boolean peerCaughtUp, boolean caughtUpSent,
                         int pendingRequests, int pendingBatches, int batchesInFlight, int inboundQueued,
                         int storageOps, long messagesIn, long docsApplied, long docsServed, long errorsSent, long errorsReceived,
                         boolean inSync, String endReason) {
        /** Nothing queued or waiting for storage: a test may look at what was sent. */
        public boolean settled() {
            return inboundQueued == 0 && storageOps == 0;
        }
    }

    final SyncStore store;
    final SyncPolicy policy;
    final Config config;
    final LongSupplier clock;
    final SyncTransport transport;
    final Executor executor;
    private final Listener listener;
    final StreamSender sender;
    final StreamReceiver receiver;
    final DocServer server;

    // All below: on the executor only.
    private boolean started;
    boolean ended;
    boolean helloReceived;
    private String endReason;
    int peerMaxBytes = DEFAULT_MAX_MESSAGE_BYTES;
    PeerState stored = PeerState.NONE;
    private final ArrayDeque<SyncMessage> inbox = new ArrayDeque<>();
    /** Inbound processing waits (start, Hello) until this clears. */
    private boolean barrier = true;
    private int handling;
    /** Storage operations whose continuation has not run yet. */
    private int pendingOps;
    private long messagesIn;
    long errorsSent;
    long errorsReceived;
    private boolean inSyncReported;

    // Thread-safe entry state.
    private final AtomicBoolean wakeScheduled = new AtomicBoolean();
    private final AtomicLong committedHint = new AtomicLong();
    private volatile Status snapshot;
    /** Steps enqueued and not yet run: the snapshot is current only when there are none. */
    private final java.util.concurrent.atomic.AtomicInteger queuedSteps = new java.util.concurrent.atomic.AtomicInteger();

    public SyncSession(SyncStore store, SyncPolicy policy, Config config, LongSupplier clockMillis,
                       SyncTransport transport, Executor executor, Listener listener) {
        this.store = store;
        this.policy = policy;
        this.config = config;
        this.clock = clockMillis;
        this.transport = transport;
        this.executor = executor;
        this.listener = listener == null ? new Listener() { } : listener;
        this.sender = new StreamSender(this);
        this.receiver = new StreamReceiver(this);
        this.server = new DocServer(this);
        refresh();
    }

    // ------------------------------------------------------------------ entry points (any thread)

    /** Loads my position and what I know of the peer, then sends Hello (and early events). */
    public void start() {
        run(this::doStart);
    }

    /** A message from the peer. The transport delivers at most what was granted by {@link SyncTransport#request}. */
    public void receive(SyncMessage m) {
        run(() -> {
            messagesIn++;
            if (ended) return;
            inbox.addLast(m);
            if (inbox.size() + handling > config.inboundWindow()) {
                fail("peer sent more than the " + config.inboundWindow() + " messages it was granted", false, true);
                return;
            }
            drain();
        });
    }

    /** My store committed an event up to {@code seq}: stream it (coalesced: a burst wakes the session once). */
    public void onLocalCommit(long seq) {
        committedHint.accumulateAndGet(seq, Math::max);
        if (!wakeScheduled.compareAndSet(false, true)) return;
        run(() -> {
            wakeScheduled.set(false);
            if (ended) return;
            sender.localCommitted(committedHint.get());
        });
    }

    /** The transport can take more output again. */
    public void onWritable() {
        run(() -> {
            if (!ended) sender.pump();
        });
    }

    /** Time passed: resend unanswered DocRequests; go back to the last Ack if Acks stopped. */
    public void tick() {
        run(() -> {
            if (ended || !helloReceived) return;
            long now = clock.getAsLong();
            receiver.tick(now);
            sender.tick(now);
        });
    }

    /** Ends the session (stream closed, device revoked, node stopping); nothing more is sent but the end. */
    public void close(String reason) {
        run(() -> end(new SyncTransport.SessionEnd(reason, false, false)));
    }

    public Status status() {
        return snapshot;
    }

    /** In sync as of now: no step waiting to run (a message received, a commit announced) and nothing in flight. */
    public boolean isInSync() {
        return queuedSteps.get() == 0 && snapshot.inSync();
    }

    public String remotePeerId() {
        return config.remotePeerId();
    }

    // ------------------------------------------------------------------ on the executor

    private void run(Runnable step) {
        queuedSteps.incrementAndGet();
        executor.execute(() -> {
            try {
                step.run();
            } catch (RuntimeException e) {
                log.warn("sync session with {} failed", config.remotePeerId(), e);
                fail("internal error: " + e, false, false);
            } finally {
                afterStep();
                queuedSteps.decrementAndGet();
            }
        });
    }

    /** Runs {@code step} on the executor after {@code f} completes; a storage failure ends the session. */
    <T> void then(CompletableFuture<T> f, java.util.function.BiConsumer<T, Throwable> step) {
        pendingOps++;
        f.whenComplete((v, err) -> run(() -> {
            pendingOps--;
            step.accept(v, err == null ? null : unwrap(err));
        }));
    }

    static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        return t;
    }

    private void doStart() {
        if (started || ended) return;
        started = true;
        transport.request(config.inboundWindow());
        CompletableFuture<Position> mine = store.position();
        CompletableFuture<PeerState> peer = store.peer(config.remotePeerId());
        then(mine.thenCombine(peer, (m, p) -> new Object[] {m, p}), (pair, err) -> {
            if (ended) return;
            if (err != null) {
                storageFailed("loading positions", err);
                return;
            }
            Position my = (Position) pair[0];
            stored = (PeerState) pair[1];
            sender.init(my);
            send(SyncMessage.newBuilder().setHello(Hello.newBuilder()
                    .setProtocolVersion(PROTOCOL_VERSION)
                    .setPeerId(config.localPeerId())
                    .setMyPosition(my.toProto())
                    .setYourPosition(stored.read().toProto())
                    // 0 means the default: a reconnect's first flight stays a few bytes smaller.
                    .setMaxMessageBytes(config.maxMessageBytes() == DEFAULT_MAX_MESSAGE_BYTES ? 0 : config.maxMessageBytes()))
                    .build());
            if (config.sendBeforeHello()) sender.startEarly(stored.acked());
            barrier = false;
            drain();
        });
    }

    /** Handles queued peer messages in order; Hello holds the queue until it is fully handled. */
    private void drain() {
        while (!ended && !barrier && !inbox.isEmpty()) {
            SyncMessage m = inbox.pollFirst();
            CompletableFuture<?> done = handle(m);
            if (done == null || done.isDone()) {
                transport.request(1);
                continue;
            }
            handling++;
            then(done, (v, err) -> {
                handling--;
                if (ended) return;
                transport.request(1);
                drain();
            });
        }
    }

    private CompletableFuture<?> handle(SyncMessage m) {
        switch (m.getBodyCase()) {
            case HELLO:
                return onHello(m.getHello());
            case ERROR:
                errorsReceived++;
                log.debug("peer {} reports {}: {}", config.remotePeerId(), m.getError().getCode(), m.getError().getMessage());
                if (m.getError().getCode() == SyncError.Code.UNSUPPORTED_VERSION) {
                    end(new SyncTransport.SessionEnd("peer does not speak protocol version " + PROTOCOL_VERSION,
                            false, true));
                }
                return null;
            default:
                break;
        }
        if (!helloReceived) {
            error(SyncError.Code.BAD_REQUEST, "message before Hello", "");
            return null;
        }
        switch (m.getBodyCase()) {
            case EVENTS:
                return receiver.onEvents(m.getEvents());
            case DOC_REQUEST:
                return server.onDocRequest(m.getDocRequest());
            case DOC_RESPONSE:
                return receiver.onDocResponse(m.getDocResponse());
            case ACK:
                sender.onAck(m.getAck());
                return null;
            default:
                error(SyncError.Code.BAD_REQUEST, "empty or unknown message", "");
                return null;
        }
    }

    private CompletableFuture<?> onHello(Hello h) {
        if (helloReceived) {
            error(SyncError.Code.BAD_REQUEST, "second Hello", "");
            return null;
        }
        if (h.getProtocolVersion() != PROTOCOL_VERSION) {
            error(SyncError.Code.UNSUPPORTED_VERSION, "protocol version " + h.getProtocolVersion()
                    + " not supported; this side speaks " + PROTOCOL_VERSION, "");
            end(new SyncTransport.SessionEnd("peer speaks sync protocol version " + h.getProtocolVersion(), false, true));
            return null;
        }
        helloReceived = true;
        if (h.getMaxMessageBytes() > 0) peerMaxBytes = h.getMaxMessageBytes();
        receiver.onHello(h);
        barrier = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        sender.onHello(Position.of(h.getYourPosition()), () -> {
            barrier = false;
            done.complete(null);
        });
        return done;
    }

    // ------------------------------------------------------------------ shared by the parts

    void send(SyncMessage m) {
        if (ended) return;
        transport.send(m);
    }

    void error(SyncError.Code code, String message, String docId) {
        errorsSent++;
        send(Wire.error(code, message, docId));
    }

    void documentApplied(String docId) {
        listener.documentApplied(docId);
    }

    /** A storage failure: not the peer's fault; end now, acknowledging nothing past it. */
    void storageFailed(String what, Throwable err) {
        log.warn("sync with {}: storage failure while {}; ending the session unacknowledged", config.remotePeerId(),
                what, err);
        fail("storage failure while " + what + ": " + err.getMessage(), true, false);
    }

    /** Ends the session cleanly so that the peer reconnects and both sides start over from durable state. */
    void restart(String reason) {
        end(new SyncTransport.SessionEnd(reason, false, false));
    }

    void fail(String reason, boolean storage, boolean protocol) {
        if (ended) return;
        if (!storage) errorsSent++;
        // Tell the peer why (never after a storage failure's partial state: the error is all it gets).
        transport.send(Wire.error(storage ? SyncError.Code.INTERNAL : SyncError.Code.BAD_REQUEST, reason, ""));
        end(new SyncTransport.SessionEnd(reason, storage, protocol));
    }

    private void end(SyncTransport.SessionEnd end) {
        if (ended) return;
        ended = true;
        endReason = end.reason();
        inbox.clear();
        transport.close(end);
        listener.ended(end);
    }

    private void afterStep() {
        boolean inSync = computeInSync();
        refresh(inSync);
        if (inSync && !inSyncReported) {
            inSyncReported = true;
            listener.inSync();
        } else if (!inSync) {
            inSyncReported = false;
        }
    }

    private boolean computeInSync() {
        return helloReceived && !ended && inbox.isEmpty() && handling == 0 && pendingOps == 0 && !wakeScheduled.get()
                && receiver.idle() && sender.idle();
    }

    private void refresh() {
        refresh(false);
    }

    private void refresh(boolean inSync) {
        snapshot = new Status(started, helloReceived, ended, receiver.readPosition(), sender.sentThrough(),
                sender.peerAcked(), receiver.peerCaughtUp(), sender.caughtUpSent(), receiver.pendingRequests(),
                receiver.pendingBatches(), sender.batchesInFlight(), inbox.size() + handling, pendingOps, messagesIn, receiver.docsApplied(),
                server.docsServed(), errorsSent, errorsReceived, inSync, endReason);
    }
}
