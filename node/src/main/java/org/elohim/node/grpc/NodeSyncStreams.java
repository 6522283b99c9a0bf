package org.elohim.node.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.PeerPositions;
import org.elohim.node.sync.NodeSyncStore;
import org.elohim.node.sync.ReachSyncPolicy;
import org.elohim.sync.SerialExecutor;
import org.elohim.sync.SessionRegistry;
import org.elohim.sync.SyncSession;
import org.elohim.sync.SyncTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the {@code Sync} bidi stream with the sync engine: one {@link SyncSession} per stream,
 * with the proved device, on its own serial executor (gRPC threads only enqueue), fed with the
 * device's messages under manual flow control (the session grants what it can take), with the
 * node's commits (one subscription for all sessions; each wake is coalesced) and a one-second
 * tick. Output follows the call's isReady/onReady. Only paired devices may sync: the session would
 * otherwise accept writes from a caller with no owner.
 */
public final class NodeSyncStreams implements SyncStreams, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeSyncStreams.class);

    private final DocumentService docs;
    private final PeerPositions positions;
    private final ReachEnforcer reach;
    private final NodeSyncStore.EpochControl epochs;
    private final String nodeId;
    private final int maxMessageBytes;
    private final ExecutorService sessions;
    private final ExecutorService reads;
    private final ScheduledExecutorService ticker;
    private final SessionRegistry registry = new SessionRegistry();
    private final Set<SyncSession> live = ConcurrentHashMap.newKeySet();
    private final AutoCloseable subscription;

    public NodeSyncStreams(DocumentService docs, PeerPositions positions, ReachEnforcer reach, String nodeId,
                           int maxMessageBytes) {
        this(docs, positions, reach, CompletableFutures.epochs(docs), nodeId, maxMessageBytes);
    }

    public NodeSyncStreams(DocumentService docs, PeerPositions positions, ReachEnforcer reach,
                           NodeSyncStore.EpochControl epochs, String nodeId, int maxMessageBytes) {
        this.docs = docs;
        this.positions = positions;
        this.reach = reach;
        this.epochs = epochs;
        this.nodeId = nodeId;
        this.maxMessageBytes = maxMessageBytes;
        int cpus = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.sessions = Executors.newFixedThreadPool(cpus, daemon("sync-session"));
        this.reads = Executors.newFixedThreadPool(4, daemon("sync-store"));
        this.ticker = Executors.newSingleThreadScheduledExecutor(daemon("sync-ticker"));
        // Committed changes are announced on the storage completion thread: only flag the sessions.
        this.subscription = docs.subscribe(change -> {
            for (SyncSession s : live) s.onLocalCommit(change.seq());
        });
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Live sessions by device id: revoking a device ends them with {@link SessionRegistry#closeAll}. */
    public SessionRegistry registry() {
        return registry;
    }

    @Override
    public StreamObserver<SyncMessage> open(Requester requester, StreamObserver<SyncMessage> outbound) {
        if (!(requester instanceof Requester.Device device)) {
            outbound.onError(Status.UNAUTHENTICATED.withDescription("Sync needs a paired device; anonymous callers"
                    + " may use GetDocument and ListDocuments for commons documents").asRuntimeException());
            return new Ignoring();
        }
        ServerCallStreamObserver<SyncMessage> call = outbound instanceof ServerCallStreamObserver<SyncMessage> s ? s : null;
        GrpcSyncTransport transport = new GrpcSyncTransport(outbound, call);
        NodeSyncStore store = new NodeSyncStore(docs, positions, epochs, reads, "sync:" + UUID.randomUUID());
        SyncSession.Config config = SyncSession.Config.defaults(nodeId, device.deviceId())
                .withMaxMessageBytes(maxMessageBytes);
        ScheduledFuture<?>[] tick = new ScheduledFuture<?>[1];
        AutoCloseable[] registration = new AutoCloseable[1];
        SyncSession session = new SyncSession(store, new ReachSyncPolicy(device, reach), config,
                System::currentTimeMillis, transport, new SerialExecutor(sessions), new SyncSession.Listener() {
            @Override
            public void ended(SyncTransport.SessionEnd end) {
                if (end.storageFailure()) log.warn("sync session of {} ended: {}", device.deviceId(), end.reason());
                else log.debug("sync session of {} ended: {}", device.deviceId(), end.reason());
            }
        });
        transport.onEnd(() -> {
            live.remove(sessionOf(transport));
            if (tick[0] != null) tick[0].cancel(false);
            closeQuietly(registration[0]);
        });
        transport.session = session;
        if (call != null) {
            call.disableAutoRequest();
            call.setOnReadyHandler(session::onWritable);
            call.setOnCancelHandler(() -> session.close("stream cancelled"));
        }
        live.add(session);
        registration[0] = registry.register(session);
        tick[0] = ticker.scheduleWithFixedDelay(session::tick, 1, 1, TimeUnit.SECONDS);
        session.start();
        return new StreamObserver<>() {
            @Override
            public void onNext(SyncMessage m) {
                session.receive(m);
            }

            @Override
            public void onError(Throwable t) {
                session.close("stream failed: " + t.getMessage());
            }

            @Override
            public void onCompleted() {
                session.close("device ended the stream");
            }
        };
    }

    private static SyncSession sessionOf(GrpcSyncTransport t) {
        return t.session;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            log.debug("close failed", e);
        }
    }

    @Override
    public void close() {
        for (SyncSession s : live) s.close("node stopping");
        closeQuietly(subscription);
        ticker.shutdownNow();
        sessions.shutdown();
        try {
            sessions.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reads.shutdownNow();
    }

    /** Small helpers for the default epoch control. */
    private static final class CompletableFutures {
        static NodeSyncStore.EpochControl epochs(DocumentService docs) {
            if (docs instanceof org.elohim.node.storage.SqliteDocumentService sqlite) return sqlite::startNewEpoch;
            return reason -> position(docs);
        }

        /** Without an epoch control the stream keeps its epoch; the peer is rescanned from the start. */
        static java.util.concurrent.CompletableFuture<org.elohim.node.docs.StreamPosition> position(DocumentService d) {
            return java.util.concurrent.CompletableFuture.completedFuture(d.position());
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
