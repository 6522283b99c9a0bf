package org.elohim.node.runtime;

import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.elohim.node.blobs.BlobService;
import org.elohim.node.blobs.http.BlobAdminRoutes;
import org.elohim.node.blobs.http.BlobHttpHandler;
import org.elohim.node.blobs.grpc.BlobRpc;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.device.AuthHeaders;
import org.elohim.node.device.AuthenticationFailed;
import org.elohim.node.grpc.DeviceAuthInterceptor;
import org.elohim.node.grpc.ElohimNodeService;
import org.elohim.node.grpc.GrpcServer;
import org.elohim.node.grpc.NodeIdentity;
import org.elohim.node.grpc.SyncStreams;
import org.elohim.node.http.HttpError;
import org.elohim.node.http.HttpServer;
import org.elohim.node.http.ManagementRoutes;
import org.elohim.node.http.RequesterResolver;
import org.elohim.node.http.Route;
import org.elohim.node.http.SyncPeers;
import org.elohim.node.http.WebSocketEndpoint;
import org.elohim.node.metrics.NodeMetrics;
import org.elohim.node.reach.Requester;
import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.HostConfig;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.transport.TcpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole node in one process: storage, device registry, reach, gRPC device API, HTTP management
 * API + WebSocket endpoints, on one set of Netty event loops. {@link #start(NodeConfig)} returns
 * once every listener is bound ({@link #ports()}); {@link #close()} stops everything in reverse
 * order and releases the data directory.
 *
 * <p>In tests: {@code try (var node = ElohimNodeRuntime.start(NodeConfig.ephemeral(tmp))) {...}}.
 */
public final class ElohimNodeRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ElohimNodeRuntime.class);
    /** How long a starting node waits for a CLI command that holds the data directory. */
    public static final java.time.Duration LOCK_PATIENCE = java.time.Duration.ofSeconds(30);

    private final NodeConfig config;
    private final NodeFiles files;
    private final NodeStorage storage;
    private final NodeMetrics metrics;
    private final BoundPorts ports;
    private final Closer closer;
    private final Host p2pHost;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Thread shutdownHook;

    private ElohimNodeRuntime(NodeConfig config, NodeFiles files, NodeStorage storage, NodeMetrics metrics,
                              BoundPorts ports, Closer closer, Host p2pHost) {
        this.config = config;
        this.files = files;
        this.storage = storage;
        this.metrics = metrics;
        this.ports = ports;
        this.closer = closer;
        this.p2pHost = p2pHost;
    }

    /** Starts a node with the default WebSocket endpoints (/ws and automerge-repo, when present). */
    public static ElohimNodeRuntime start(NodeConfig config) {
        return builder(config).start();
    }

    public static Builder builder(NodeConfig config) {
        return new Builder(config);
    }

    /** Options beyond the config, mostly for tests and embedding. */
    public static final class Builder {
        private final NodeConfig config;
        private WebSocketEndpoints webSockets = DefaultComponents.WEB_SOCKETS;
        private SyncStreams syncStreams;
        private java.util.function.UnaryOperator<SyncStreams> syncStreamsWrapper = java.util.function.UnaryOperator.identity();
        private SyncPeers syncPeers;
        private final List<Route> extraRoutes = new ArrayList<>();
        private DataDirLock heldLock;

        private Builder(NodeConfig config) {
            this.config = config;
        }

        public Builder webSockets(WebSocketEndpoints factory) {
            this.webSockets = factory;
            return this;
        }

        /** How the gRPC Sync stream is served (default: the node's sync sessions, when present). */
        public Builder syncStreams(SyncStreams streams) {
            this.syncStreams = streams;
            return this;
        }

        /** Decorates the Sync stream service (benchmarks count its messages this way). */
        public Builder wrapSyncStreams(java.util.function.UnaryOperator<SyncStreams> wrapper) {
            this.syncStreamsWrapper = wrapper;
            return this;
        }

        public Builder syncPeers(SyncPeers peers) {
            this.syncPeers = peers;
            return this;
        }

        /** The data directory's lock, already taken as a node by the caller (it initialized the directory under it). */
        public Builder heldLock(DataDirLock lock) {
            this.heldLock = lock;
            return this;
        }

        public Builder route(Route route) {
            this.extraRoutes.add(route);
            return this;
        }

        public ElohimNodeRuntime start() {
            return ElohimNodeRuntime.start(this);
        }
    }

    private static ElohimNodeRuntime start(Builder b) {
        NodeConfig config = b.config;
        NodeFiles files = new NodeFiles(config.dataDir());
        Closer closer = new Closer();
        try {
            // First, before anything slow: a CLI command started right after us then sees a node starting.
            DataDirLock lock = b.heldLock != null ? b.heldLock : DataDirLock.acquireForNode(files, LOCK_PATIENCE);
            closer.add("data dir lock", lock);
            Files.deleteIfExists(files.ports()); // a stale file from a killed node must not mislead anyone
            List<PortCheck.Conflict> conflicts = PortCheck.conflicts(listeners(config));
            if (!conflicts.isEmpty()) {
                throw new NodeStartException(PortCheck.message(conflicts), PortCheck.options(conflicts));
            }
            NodeMetrics metrics = closer.add("metrics", NodeMetrics.create());
            NodeStorage storage = closer.add("storage", NodeStorage.open(config, metrics.registry()));
            metrics.bindStorage(storage.documents()::stats);
            String nodeId = storage.nodeId();
            NettyResources netty = closer.add("event loops",
                    NettyResources.create(Math.max(2, Runtime.getRuntime().availableProcessors() * 2)));

            SyncStreams base = b.syncStreams != null ? b.syncStreams
                    : closer.add("sync streams", DefaultComponents.syncStreams(config, storage));
            LiveSyncPeers sync = new LiveSyncPeers(new MeteredSyncStreams(b.syncStreamsWrapper.apply(base),
                    metrics.registry()));
            SyncPeers syncPeers = b.syncPeers != null ? b.syncPeers : sync;
            BlobService blobs = closer.add("blobs", BlobService.start(storage.blobs(), storage.documents(), storage.reach(),
                    docId -> storage.documents().read(docId, AutomergeJson::toJson).join(), java.time.Duration.ofHours(1)));
            ElohimNodeService service = new ElohimNodeService(storage.documents(), storage.reach(), storage.pairing(),
                    sync, new NodeIdentity(nodeId, NodeVersion.get()),
                    new BlobRpc(blobs.access(), DeviceAuthInterceptor::requester));
            GrpcServer grpc = closer.add("gRPC server", GrpcServer.start(
                    GrpcServer.Config.defaults(config.grpcBind(), config.grpcPort())
                            .withMaxInboundMessageBytes(config.maxGrpcMessageBytes()),
                    service, new DeviceAuthInterceptor(storage.authenticator()),
                    new GrpcServer.EventLoops(netty.boss(), netty.workers(), netty.serverChannel())));

            Host p2p = null;
            int p2pPort = 0;
            if (config.p2pEnabled()) {
                p2p = closer.add("libp2p host", Host.create(HostConfig.defaults(storage.identity()),
                        new TcpTransport(netty.isEpoll()), netty.workers()));
                Multiaddr bound;
                try {
                    bound = p2p.listen(Multiaddr.fromInetSocketAddress(
                            new InetSocketAddress(config.p2pBind(), config.p2pPort()))).get(15, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new NodeStartException("cannot listen for libp2p on " + config.p2pBind() + ":" + config.p2pPort()
                            + ": " + e.getCause().getMessage(), e.getCause());
                }
                p2pPort = bound.toInetSocketAddress().getPort();
                if (config.p2pQuic()) {
                    Multiaddr quic = Multiaddr.fromInetSocketAddress(new InetSocketAddress(config.p2pBind(), config.p2pPort()),
                            org.elohim.p2p.multiaddr.Protocol.UDP).encapsulate(
                            org.elohim.p2p.multiaddr.Component.of(org.elohim.p2p.multiaddr.Protocol.QUIC_V1));
                    try {
                        log.info("libp2p listening on {}", p2p.listen(quic).get(15, TimeUnit.SECONDS));
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw new NodeStartException("cannot listen for libp2p QUIC on " + quic + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }

            NodeContext ctx = new NodeContext(config, nodeId, storage.documents(), storage.reach(), storage.devices(),
                    storage.authenticator(), metrics.registry());
            List<WebSocketEndpoint> endpoints = b.webSockets.create(ctx);
            for (WebSocketEndpoint e : endpoints) {
                if (e instanceof AutoCloseable c) closer.add("WebSocket endpoint " + e.path(), c);
            }

            AdminToken admin = AdminToken.createIn(files.adminToken());
            closer.add("admin token", () -> Files.deleteIfExists(files.adminToken()));
            List<Route> routes = new ArrayList<>(new ManagementRoutes(nodeId, NodeVersion.get(), config.dataDir(),
                    storage.documents(), storage.reach(), metrics, syncPeers).routes());
            routes.addAll(new AdminRoutes(new AdminOperations(storage,
                    NodeAddresses.hostPorts(config.grpcBind(), grpc.port())), admin).routes());
            routes.addAll(new BlobAdminRoutes(storage.blobs(), x -> x.fromLoopback()
                    && admin.matches(x.headers().get("Authorization"))).routes());
            routes.addAll(b.extraRoutes);
            RequesterResolver requesters = httpRequesters(storage);
            java.util.concurrent.ExecutorService blobPool = BlobHttpHandler.newPool();
            closer.add("blob HTTP pool", blobPool::shutdownNow);
            HttpServer http = closer.add("HTTP server", HttpServer.start(config.httpBind(), config.httpPort(),
                    config.maxHttpRequestBytes(), netty.boss(), netty.workers(), netty.serverChannel(), routes,
                    endpoints, requesters, () -> new BlobHttpHandler(blobs.access(), requesters, blobPool,
                            (remote, auth) -> isLoopback(remote) && admin.matches(auth))));

            BoundPorts ports = new BoundPorts(http.port(), grpc.port(), p2pPort);
            PortsFile.write(files.ports(), new PortsFile.Contents(ProcessHandle.current().pid(),
                    localHost(config.httpBind()), ports, nodeId));
            closer.add("ports file", () -> Files.deleteIfExists(files.ports()));
            log.info("elohim-node {} started: node id {}, data {}, HTTP {}:{}, gRPC {}:{}", NodeVersion.get(), nodeId,
                    config.dataDir().toAbsolutePath(), config.httpBind(), ports.http(), config.grpcBind(), ports.grpc());
            if (p2p != null) {
                log.info("libp2p listening on {}", String.join(" ", NodeAddresses.p2pMultiaddrs(config.p2pBind(), p2pPort, nodeId)));
            }
            return new ElohimNodeRuntime(config, files, storage, metrics, ports, closer, p2p);
        } catch (NodeStartException e) {
            closer.close();
            throw e;
        } catch (Exception e) {
            closer.close();
            throw new NodeStartException("node failed to start: " + e.getMessage(), e);
        }
    }

    private static List<PortCheck.Listener> listeners(NodeConfig config) {
        List<PortCheck.Listener> l = new ArrayList<>();
        l.add(new PortCheck.Listener("HTTP", "--http-port", config.httpBind(), config.httpPort()));
        l.add(new PortCheck.Listener("gRPC", "--grpc-port", config.grpcBind(), config.grpcPort()));
        if (config.p2pEnabled()) l.add(new PortCheck.Listener("libp2p", "--p2p-port", config.p2pBind(), config.p2pPort()));
        return l;
    }

    /** HTTP callers are classified by the device API's signed headers; the signed method is the request path. */
    private static RequesterResolver httpRequesters(NodeStorage storage) {
        return (method, path, headers) -> {
            Map<String, String> fields = authFields(headers);
            if (fields.isEmpty()) return Requester.ANONYMOUS;
            try {
                Optional<Requester.Device> d = storage.authenticator().authenticate(path, fields);
                return d.isPresent() ? d.get() : Requester.ANONYMOUS;
            } catch (AuthenticationFailed e) {
                throw new HttpError(401, "device authentication failed: " + e.getMessage());
            }
        };
    }

    private static Map<String, String> authFields(HttpHeaders headers) {
        Map<String, String> m = new HashMap<>();
        for (String name : List.of(AuthHeaders.DEVICE_ID, AuthHeaders.TIMESTAMP, AuthHeaders.NONCE, AuthHeaders.SIGNATURE)) {
            String v = headers.get(name);
            if (v != null) m.put(name, v);
        }
        return m;
    }

    private static boolean isLoopback(java.net.SocketAddress a) {
        return a instanceof InetSocketAddress i && i.getAddress() != null && i.getAddress().isLoopbackAddress();
    }

    /** Where a local client connects: loopback when listening on every interface. */
    static String localHost(String bind) {
        try {
            InetAddress a = InetAddress.getByName(bind);
            return a.isAnyLocalAddress() ? "127.0.0.1" : bind;
        } catch (IOException e) {
            return "127.0.0.1";
        }
    }

    public BoundPorts ports() {
        return ports;
    }

    public NodeConfig config() {
        return config;
    }

    public NodeFiles files() {
        return files;
    }

    public NodeStorage storage() {
        return storage;
    }

    public String nodeId() {
        return storage.nodeId();
    }

    /** The libp2p host (identity = node.key), when p2p.enabled; protocol handlers register on it. */
    public Optional<Host> p2pHost() {
        return Optional.ofNullable(p2pHost);
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    /** Closes the node when the JVM is asked to exit (SIGTERM, Ctrl-C). */
    public ElohimNodeRuntime withShutdownHook() {
        Thread t = new Thread(() -> {
            log.info("shutting down");
            shutdownHook = null; // no removal from inside a running hook
            close();
        }, "node-shutdown");
        shutdownHook = t;
        Runtime.getRuntime().addShutdownHook(t);
        return this;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        Thread hook = shutdownHook;
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
        try {
            closer.close();
            log.info("elohim-node stopped");
        } finally {
            stopped.countDown();
        }
    }
}
