package org.elohim.client;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.automerge.Document;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.DocumentSummary;
import org.elohim.api.v1.GetDocumentRequest;
import org.elohim.api.v1.GetStatusRequest;
import org.elohim.api.v1.ListDocumentsRequest;
import org.elohim.api.v1.ListDocumentsResponse;
import org.elohim.api.v1.NodeStatus;
import org.elohim.api.v1.PairRequest;
import org.elohim.api.v1.PairResponse;
import org.elohim.api.v1.SyncMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java device SDK: a local offline store of Automerge documents that syncs with an elohim
 * node through the device API's {@code Sync} stream.
 *
 * <pre>{@code
 * try (ElohimClient c = ElohimClient.open(appDir)) {
 *     c.connect("node.local", 9090);
 *     if (!c.isPaired()) c.pair(tokenFromTheNodeOwner, "Alice's laptop");
 *     c.edit("shopping", doc -> { try (var tx = doc.startTransaction()) { tx.set(ObjectId.ROOT, "milk", 2); tx.commit(); } });
 *     c.sync();                       // or startSync() to stay in sync while connected
 * }
 * }</pre>
 *
 * <p>Edits work offline; they are committed to the local SQLite store first and sent when a sync
 * runs. All store and Automerge work happens on one internal thread, so the SDK is safe to call
 * from any thread.
 */
public final class ElohimClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ElohimClient.class);
    private static final String NODE_PEER_FALLBACK = "node";

    private final ClientStore store;
    private final ExecutorService actor;
    private volatile Thread actorThread;
    private volatile DeviceAuthInterceptor.Credentials credentials;
    private volatile String owner;
    private volatile String nodeId;
    private volatile ManagedChannel channel;
    private volatile ElohimNodeGrpc.ElohimNodeStub asyncStub;
    private volatile ElohimNodeGrpc.ElohimNodeBlockingStub blockingStub;
    private org.elohim.sync.SyncSession liveSession; // actor thread only
    private volatile ContinuousSync continuous;
    private volatile boolean closed;

    private ElohimClient(ClientStore store) {
        this.store = store;
        this.actor = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "elohim-client");
            t.setDaemon(true);
            actorThread = t;
            return t;
        });
        Optional<byte[]> pkcs8 = store.meta("device_private_key");
        Optional<byte[]> pub = store.meta("device_public_key");
        Optional<byte[]> id = store.meta("device_id");
        if (pkcs8.isPresent() && pub.isPresent() && id.isPresent()) {
            credentials = new DeviceAuthInterceptor.Credentials(text(id.get()), DeviceKey.load(pkcs8.get(), pub.get()));
        }
        owner = store.meta("owner").map(ElohimClient::text).orElse(null);
        nodeId = store.meta("node_id").map(ElohimClient::text).orElse(null);
    }

    /** Opens (creating if needed) the device store in {@code dataDir}. Works without any network. */
    public static ElohimClient open(Path dataDir) {
        return new ElohimClient(ClientStore.open(dataDir));
    }

    // ---- connection and pairing -------------------------------------------------------------

    /** Points the client at a node (plaintext gRPC). Nothing is sent until a call needs it. */
    public synchronized ElohimClient connect(String host, int port) {
        disconnect();
        ManagedChannel ch = NettyChannelBuilder.forAddress(host, port)
                .usePlaintext()
                .maxInboundMessageSize(org.elohim.sync.SyncSession.DEFAULT_MAX_MESSAGE_BYTES + 1024 * 1024)
                .keepAliveTime(1, TimeUnit.MINUTES)
                .intercept(new DeviceAuthInterceptor(() -> credentials))
                .build();
        channel = ch;
        asyncStub = ElohimNodeGrpc.newStub(ch);
        blockingStub = ElohimNodeGrpc.newBlockingStub(ch);
        return this;
    }

    /** Stops syncing and closes the connection; the local store stays usable. */
    public synchronized void disconnect() {
        stopSync();
        ManagedChannel ch = channel;
        channel = null;
        asyncStub = null;
        blockingStub = null;
        if (ch != null) {
            ch.shutdownNow();
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public boolean isPaired() {
        return credentials != null && owner != null;
    }

    public Optional<String> deviceId() {
        return Optional.ofNullable(credentials).map(DeviceAuthInterceptor.Credentials::deviceId);
    }

    public Optional<String> owner() {
        return Optional.ofNullable(owner);
    }

    /**
     * Pairs this device with the connected node using a token from {@code elohim pair}. The device
     * key is created (and stored) on first use and kept across restarts and re-pairings.
     */
    public Pairing pair(String token, String deviceName) {
        ElohimNodeGrpc.ElohimNodeBlockingStub stub = requireConnected();
        DeviceKey key = store.meta("device_private_key").isPresent()
                ? DeviceKey.load(store.meta("device_private_key").get(), store.meta("device_public_key").get())
                : null;
        if (key == null) {
            DeviceKey fresh = DeviceKey.generate();
            // Persisted before pairing: if the answer is lost, the same key can pair with a new token.
            putMetaDurably("device_private_key", fresh.pkcs8());
            putMetaDurably("device_public_key", fresh.publicKey());
            key = fresh;
        }
        PairResponse r;
        try {
            // Anonymous call: the device has no registered identity until this succeeds.
            credentials = null;
            r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).pair(PairRequest.newBuilder()
                    .setToken(token)
                    .setDevicePublicKey(ByteString.copyFrom(key.publicKey()))
                    .setDeviceName(deviceName == null ? "" : deviceName)
                    .setSignature(ByteString.copyFrom(key.pairingSignature(token)))
                    .build());
        } catch (StatusRuntimeException e) {
            restoreCredentials();
            throw new ClientException("pairing refused: " + e.getStatus().getCode() + " "
                    + e.getStatus().getDescription(), e);
        }
        putMetaDurably("device_id", bytes(r.getDeviceId()));
        putMetaDurably("owner", bytes(r.getOwner()));
        putMetaDurably("node_id", bytes(r.getNodeId()));
        owner = r.getOwner();
        nodeId = r.getNodeId();
        credentials = new DeviceAuthInterceptor.Credentials(r.getDeviceId(), key);
        return new Pairing(r.getDeviceId(), r.getOwner(), r.getNodeId());
    }

    /** Outside any group commit a sync may hold open: committed before this returns. */
    private void putMetaDurably(String key, byte[] value) {
        onActor(() -> {
            store.flush();
            store.putMeta(key, value);
            return null;
        });
    }

    private void restoreCredentials() {
        Optional<byte[]> id = store.meta("device_id");
        if (id.isPresent()) {
            credentials = new DeviceAuthInterceptor.Credentials(text(id.get()),
                    DeviceKey.load(store.meta("device_private_key").get(), store.meta("device_public_key").get()));
        }
    }

    /** The node's status, as seen by this device (anonymous if unpaired). */
    public NodeStatus status() {
        try {
            return requireConnected().withDeadlineAfter(30, TimeUnit.SECONDS).getStatus(GetStatusRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            throw new ClientException("GetStatus failed: " + e.getStatus(), e);
        }
    }

    /** Blob uploads and downloads over this connection, as this device ({@link BlobTransfer}). */
    public BlobTransfer blobs() {
        requireConnected();
        return new BlobTransfer(() -> {
            ManagedChannel ch = channel;
            if (ch == null) throw new ClientException("not connected: call connect(host, port) first");
            return ch;
        });
    }

    private ElohimNodeGrpc.ElohimNodeBlockingStub requireConnected() {
        ElohimNodeGrpc.ElohimNodeBlockingStub s = blockingStub;
        if (s == null) throw new ClientException("not connected: call connect(host, port) first");
        return s;
    }

    // ---- local documents (offline) --------------------------------------------------------

    /** Edits a document locally (creating it, private, if new). Works offline; durable on return. */
    public LocalDocument edit(String docId, Consumer<Document> edit) {
        return edit(docId, Reach.PRIVATE, edit);
    }

    /**
     * Edits a document locally. {@code edit} opens and commits its own transaction(s) on the
     * Document it is given, which must not escape the call. {@code reachIfNew} applies only when
     * this call creates the document.
     */
    public LocalDocument edit(String docId, Reach reachIfNew, Consumer<Document> edit) {
        validateDocId(docId);
        return onActor(() -> {
            store.flush(); // a local edit is committed on its own, durably, before edit() returns
            Optional<ClientStore.StoredDoc> local = store.doc(docId);
            AutomergeBytes.Result r = AutomergeBytes.edit(local.map(ClientStore.StoredDoc::data).orElse(null), edit);
            if (r.changed() || local.isEmpty()) {
                Reach reach = local.map(ClientStore.StoredDoc::reach).orElse(reachIfNew);
                String docOwner = local.map(ClientStore.StoredDoc::owner).orElse(owner == null ? "" : owner);
                store.saveDoc(docId, r.data(), r.heads(), reach, docOwner, EventKind.EVENT_KIND_LOCAL,
                        System.currentTimeMillis());
                if (liveSession != null) liveSession.onLocalCommit(store.lastSeq());
            }
            return store.local(docId).orElseThrow();
        });
    }

    /** Reads a local document; the Document must not escape {@code fn}. Empty if the device has no copy. */
    public <T> Optional<T> read(String docId, Function<Document, T> fn) {
        return onActor(() -> store.doc(docId).map(d -> AutomergeBytes.read(d.data(), fn)));
    }

    /** The local copy's metadata, if the device has the document. */
    public Optional<LocalDocument> get(String docId) {
        return onActor(() -> store.local(docId));
    }

    /** The whole local document as Automerge save() bytes. */
    public Optional<byte[]> save(String docId) {
        return onActor(() -> store.doc(docId).map(ClientStore.StoredDoc::data));
    }

    /** Every document on this device, ordered by id. */
    public List<LocalDocument> list() {
        return onActor(store::list);
    }

    private static void validateDocId(String docId) {
        if (docId == null || docId.isEmpty() || docId.length() > 256 || docId.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("doc id must be 1..256 printable characters");
        }
    }

    // ---- one-shot remote reads --------------------------------------------------------------

    /**
     * Fetches one document from the node and merges it into the local store. Empty when the node
     * has no such document for this device (missing and not permitted look the same).
     */
    public Optional<LocalDocument> fetch(String docId) {
        validateDocId(docId);
        ElohimNodeGrpc.ElohimNodeBlockingStub stub = requireConnected();
        Optional<ClientStore.StoredDoc> before = onActor(() -> store.doc(docId));
        GetDocumentRequest.Builder q = GetDocumentRequest.newBuilder().setDocId(docId);
        before.ifPresent(d -> d.heads().forEach(h -> q.addHeads(ByteString.copyFrom(h))));
        org.elohim.api.v1.Document remote;
        try {
            remote = stub.withDeadlineAfter(60, TimeUnit.SECONDS).getDocument(q.build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) return Optional.empty();
            throw new ClientException("GetDocument failed: " + e.getStatus(), e);
        }
        return Optional.of(onActor(() -> {
            store.flush();
            Optional<ClientStore.StoredDoc> local = store.doc(docId);
            AutomergeBytes.Result r = AutomergeBytes.merge(local.map(ClientStore.StoredDoc::data).orElse(null),
                    remote.getAutomerge().toByteArray());
            if (r.changed() || local.isEmpty()) {
                store.flush();
                store.saveDoc(docId, r.data(), r.heads(), local.map(ClientStore.StoredDoc::reach)
                                .orElse(Reach.fromProto(remote.getReach())),
                        local.map(ClientStore.StoredDoc::owner).filter(o -> !o.isEmpty()).orElse(remote.getOwner()),
                        EventKind.EVENT_KIND_NEW, System.currentTimeMillis());
                if (liveSession != null) liveSession.onLocalCommit(store.lastSeq());
            }
            return store.local(docId).orElseThrow();
        }));
    }

    /** Every document the node lets this device (or an anonymous caller, if unpaired) see. */
    public List<RemoteDocument> listRemote() {
        ElohimNodeGrpc.ElohimNodeBlockingStub stub = requireConnected();
        List<RemoteDocument> out = new java.util.ArrayList<>();
        String after = "";
        for (int page = 0; page < 100_000; page++) {
            ListDocumentsResponse r;
            try {
                r = stub.withDeadlineAfter(60, TimeUnit.SECONDS).listDocuments(
                        ListDocumentsRequest.newBuilder().setAfterDocId(after).setLimit(1000).build());
            } catch (StatusRuntimeException e) {
                throw new ClientException("ListDocuments failed: " + e.getStatus(), e);
            }
            for (DocumentSummary d : r.getDocumentsList()) {
                out.add(new RemoteDocument(d.getDocId(), Reach.fromProto(d.getReach()), d.getOwner(),
                        d.getUpdatedAtMillis(), d.getSizeBytes()));
            }
            if (r.getNextAfterDocId().isEmpty()) break;
            after = r.getNextAfterDocId();
        }
        return out;
    }

    // ---- sync -----------------------------------------------------------------------------

    /** One sync round with the connected node: returns when both sides have converged. */
    public SyncResult sync() {
        return sync(Duration.ofMinutes(2));
    }

    public SyncResult sync(Duration timeout) {
        requirePairedAndConnected();
        CompletableFuture<Void> done = new CompletableFuture<>();
        SyncStream stream = openStream(new org.elohim.sync.SyncSession.Listener() {
            @Override
            public void inSync() {
                done.complete(null);
            }
        }, done, false);
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ClientSyncStore s = stream.store;
            return onActor(() -> new SyncResult(s.docsReceived(), s.docsSent(), store.lastSeq()));
        } catch (TimeoutException e) {
            throw new ClientException("sync did not converge within " + timeout + " (" + stream.session.status() + ")");
        } catch (ExecutionException e) {
            throw new ClientException("sync failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted");
        } finally {
            stream.close();
        }
    }

    /**
     * Keeps a sync stream open while connected, reopening it (with back-off) when it breaks.
     * Local edits are sent as they are committed; the node's changes arrive as they happen.
     * {@code onChange} is called (on the SDK's thread) for every document the node changed.
     */
    public synchronized void startSync(Consumer<String> onChange) {
        requirePairedAndConnected();
        if (continuous != null) return;
        continuous = new ContinuousSync(onChange == null ? id -> { } : onChange);
        continuous.start();
    }

    public synchronized void stopSync() {
        ContinuousSync c = continuous;
        continuous = null;
        if (c != null) c.stop();
    }

    /** True while a continuous sync stream is open and converged (nothing in flight either way). */
    public boolean isInSync() {
        ContinuousSync c = continuous;
        SyncStream s = c == null ? null : c.current;
        return s != null && s.session != null && s.session.isInSync();
    }

    private void requirePairedAndConnected() {
        requireConnected();
        if (!isPaired()) throw new ClientException("not paired: call pair(token, name) first");
    }

    /** One open Sync call and its session; all session work on the actor thread. */
    private final class SyncStream {
        volatile org.elohim.sync.SyncSession session;
        volatile ClientSyncStore store;
        volatile ClientCallStreamObserver<SyncMessage> requests;
        private volatile boolean ended;

        void close() {
            ended = true;
            if (closed) return;
            // On the actor: request streams are not thread-safe, and every send happens there.
            onActor(() -> {
                ended = true;
                ElohimClient.this.store.flush();
                if (session != null) session.close("closed by the application");
                if (liveSession == session) liveSession = null;
                ClientCallStreamObserver<SyncMessage> r = requests;
                if (r != null) {
                    try {
                        r.onCompleted();
                    } catch (RuntimeException ignored) {
                        // already closed
                    }
                }
                return null;
            });
        }
    }

    private SyncStream openStream(org.elohim.sync.SyncSession.Listener listener, CompletableFuture<Void> ended,
                                  boolean live) {
        SyncStream stream = new SyncStream();
        ElohimNodeGrpc.ElohimNodeStub stub = asyncStub;
        if (stub == null) throw new ClientException("not connected");
        ClientResponseObserver<SyncMessage, SyncMessage> responses = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<SyncMessage> requestStream) {
                stream.requests = requestStream;
                // The session grants what it can take (bounded inbound queue) and writes while the call is ready.
                requestStream.disableAutoRequestWithInitial(0);
                requestStream.setOnReadyHandler(() -> {
                    org.elohim.sync.SyncSession s = stream.session;
                    if (s != null) s.onWritable();
                });
            }

            @Override
            public void onNext(SyncMessage m) {
                org.elohim.sync.SyncSession s = stream.session;
                if (!stream.ended && s != null) s.receive(m); // only enqueues onto the SDK's thread
            }

            @Override
            public void onError(Throwable t) {
                stream.ended = true;
                ended.completeExceptionally(t instanceof StatusRuntimeException s
                        ? new ClientException("sync stream failed: " + s.getStatus(), s) : t);
            }

            @Override
            public void onCompleted() {
                stream.ended = true;
                ended.completeExceptionally(new ClientException("node closed the sync stream"));
            }
        };
        org.elohim.sync.SyncTransport transport = new org.elohim.sync.SyncTransport() {
            @Override
            public void send(SyncMessage message) {
                if (stream.ended) return;
                try {
                    stream.requests.onNext(message);
                } catch (RuntimeException e) {
                    stream.ended = true;
                    ended.completeExceptionally(e);
                }
            }

            @Override
            public boolean isWritable() {
                return stream.requests.isReady();
            }

            @Override
            public void request(int n) {
                if (!stream.ended) stream.requests.request(n);
            }

            @Override
            public void close(SessionEnd end) {
                boolean wasEnded = stream.ended;
                stream.ended = true;
                if (!wasEnded) {
                    try {
                        if (end.storageFailure() || end.protocolError()) {
                            stream.requests.onError(Status.ABORTED.withDescription(end.reason()).asRuntimeException());
                        } else {
                            stream.requests.onCompleted();
                        }
                    } catch (RuntimeException ignored) {
                        // already closed
                    }
                }
                ended.completeExceptionally(new ClientException("sync ended: " + end.reason()));
            }
        };
        // One actor task opens the call, creates the session and starts it: the node's messages
        // (queued on the actor through the session) can only be handled after its Hello.
        onActor(() -> {
            String peer = nodeId == null || nodeId.isEmpty() ? NODE_PEER_FALLBACK : nodeId;
            stream.store = new ClientSyncStore(store, owner, System::currentTimeMillis);
            stream.session = new org.elohim.sync.SyncSession(stream.store,
                    org.elohim.sync.SyncPolicy.trusting(EventKind.EVENT_KIND_NEW),
                    org.elohim.sync.SyncSession.Config.defaults(credentials.deviceId(), peer).withBatching(128, 4),
                    System::currentTimeMillis, transport, actor, listener);
            stub.sync(responses);
            if (live) liveSession = stream.session;
            stream.session.start();
            return null;
        });
        return stream;
    }

    /** Reopens the stream whenever it ends, until stopped. */
    private final class ContinuousSync {
        private final Consumer<String> onChange;
        private final Thread thread;
        private volatile boolean running = true;
        volatile SyncStream current;

        ContinuousSync(Consumer<String> onChange) {
            this.onChange = onChange;
            this.thread = new Thread(this::loop, "elohim-client-sync");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() {
            running = false;
            thread.interrupt();
            SyncStream s = current;
            if (s != null) s.close();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void loop() {
            long backoff = 100;
            while (running && !closed) {
                CompletableFuture<Void> ended = new CompletableFuture<>();
                try {
                    current = openStream(new org.elohim.sync.SyncSession.Listener() {
                        @Override
                        public void documentApplied(String docId) {
                            onChange.accept(docId);
                        }
                    }, ended, true);
                    ended.get();
                } catch (InterruptedException e) {
                    return;
                } catch (ExecutionException | RuntimeException e) {
                    log.debug("sync stream ended: {}", e.getMessage());
                } finally {
                    SyncStream s = current;
                    current = null;
                    if (s != null) s.close();
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /** The durable positions exchanged with the node (read of its stream, its ack of mine). */
    ClientStore.PeerState nodePositions() {
        return onActor(() -> store.peer(nodeId == null || nodeId.isEmpty() ? NODE_PEER_FALLBACK : nodeId));
    }

    // ---- plumbing -------------------------------------------------------------------------

    private <T> T onActor(java.util.concurrent.Callable<T> work) {
        if (closed) throw new ClientException("client closed");
        if (Thread.currentThread() == actorThread) {
            // Re-entry from an onChange callback: already on the owner thread, run inline.
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new ClientException(String.valueOf(e.getMessage()), e);
            }
        }
        Future<T> f = actor.submit(work);
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error er) throw er;
            throw new ClientException(String.valueOf(c.getMessage()), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted");
        }
    }

    private java.util.concurrent.BlockingQueue<Runnable> actorQueue() {
        return ((java.util.concurrent.ThreadPoolExecutor) actor).getQueue();
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (closed) return;
        disconnect();
        closed = true;
        actor.shutdown();
        try {
            actor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }
}
