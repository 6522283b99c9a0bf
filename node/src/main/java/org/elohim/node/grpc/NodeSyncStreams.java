package org.elohim.node.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.PeerPositions;
import org.elohim.node.sync.SyncSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the {@code Sync} bidi stream: one {@link SyncSession} per stream, created with the
 * proved device, fed with the device's messages, with the node's committed changes (live mode)
 * and with a one-second tick (resends, ack timeouts). Only paired devices may sync: the session
 * would otherwise accept writes from a caller with no owner.
 */
public final class NodeSyncStreams implements SyncStreams, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeSyncStreams.class);

    private final DocumentService docs;
    private final PeerPositions positions;
    private final ReachEnforcer reach;
    private final String nodeId;
    private final int maxMessageBytes;
    private final ScheduledExecutorService ticker;

    public NodeSyncStreams(DocumentService docs, PeerPositions positions, ReachEnforcer reach, String nodeId,
                           int maxMessageBytes) {
        this.docs = docs;
        this.positions = positions;
        this.reach = reach;
        this.nodeId = nodeId;
        this.maxMessageBytes = maxMessageBytes;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grpc-sync-ticker");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public StreamObserver<SyncMessage> open(Requester requester, StreamObserver<SyncMessage> outbound) {
        if (!(requester instanceof Requester.Device device)) {
            outbound.onError(Status.UNAUTHENTICATED.withDescription("Sync needs a paired device; anonymous callers"
                    + " may use GetDocument and ListDocuments for commons documents").asRuntimeException());
            return new Ignoring();
        }
        Outbound out = new Outbound(outbound);
        SyncSession session = new SyncSession(docs, positions, device, reach,
                SyncSession.Config.defaults(nodeId, device.deviceId()).withMaxMessageBytes(maxMessageBytes),
                System::currentTimeMillis, out::next);
        AtomicBoolean ended = new AtomicBoolean();
        // Committed changes are fanned out on the commit thread: hand them to the ticker thread so
        // the session's reads never hold up the storage engine.
        AutoCloseable subscription = docs.subscribe(change -> {
            if (!ended.get()) ticker.execute(() -> session.onDocumentChange(change));
        });
        ScheduledFuture<?> tick = ticker.scheduleWithFixedDelay(() -> {
            try {
                session.tick();
            } catch (RuntimeException e) {
                log.warn("sync tick failed for {}", device.deviceId(), e);
            }
        }, 1, 1, TimeUnit.SECONDS);
        Runnable end = () -> {
            if (!ended.compareAndSet(false, true)) return;
            session.close();
            tick.cancel(false);
            try {
                subscription.close();
            } catch (Exception e) {
                log.debug("unsubscribe failed", e);
            }
        };
        if (outbound instanceof ServerCallStreamObserver<SyncMessage> server) server.setOnCancelHandler(end);
        session.start();
        return new StreamObserver<>() {
            @Override
            public void onNext(SyncMessage m) {
                try {
                    session.onMessage(m);
                } catch (RuntimeException e) {
                    log.warn("sync session of {} failed", device.deviceId(), e);
                    end.run();
                    out.error(Status.INTERNAL.withDescription("sync session failed: " + e.getClass().getSimpleName()));
                }
            }

            @Override
            public void onError(Throwable t) {
                end.run();
            }

            @Override
            public void onCompleted() {
                end.run();
                out.completed();
            }
        };
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }

    /** gRPC stream observers are not thread-safe: the session, the ticker and the end all send through here. */
    private static final class Outbound {
        private final StreamObserver<SyncMessage> target;
        private boolean done;

        Outbound(StreamObserver<SyncMessage> target) {
            this.target = target;
        }

        synchronized void next(SyncMessage m) {
            if (done) return;
            try {
                target.onNext(m);
            } catch (RuntimeException e) {
                done = true; // the call was cancelled under us
            }
        }

        synchronized void completed() {
            if (done) return;
            done = true;
            try {
                target.onCompleted();
            } catch (RuntimeException ignored) {
                // already cancelled
            }
        }

        synchronized void error(Status s) {
            if (done) return;
            done = true;
            try {
                target.onError(s.asRuntimeException());
            } catch (RuntimeException ignored) {
                // already cancelled
            }
        }
    }

    private static final class Ignoring implements StreamObserver<SyncMessage> {
        @Override
        public void onNext(SyncMessage value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
