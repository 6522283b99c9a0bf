package org.elohim.p2p.host;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import org.elohim.p2p.identify.IdentifyMessage;
import org.elohim.p2p.identify.IdentifyService;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.noise.Role;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.perf.PerfService;
import org.elohim.p2p.ping.PingService;
import org.elohim.p2p.resource.ResourceLimitExceededException;
import org.elohim.p2p.resource.ResourceLimits;
import org.elohim.p2p.resource.ResourceManager;
import org.elohim.p2p.transport.ConnectionSink;
import org.elohim.p2p.transport.DialOptions;
import org.elohim.p2p.transport.LazyTransport;
import org.elohim.p2p.transport.SecuredConnection;
import org.elohim.p2p.transport.TcpTransport;
import org.elohim.p2p.transport.Transport;
import org.elohim.p2p.transport.quic.QuicConfig;
import org.elohim.p2p.transport.quic.QuicTransport;
import org.elohim.p2p.transport.ws.WebSocketTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A libp2p host: TCP listen/dial, connection upgrade (Noise, yamux), protocol handlers, identify, ping and
 * perf built in, and a connection manager (dedupe per peer, limit, idle close).
 */
public final class Host implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Host.class);

    private final HostConfig config;
    private final TcpTransport tcp;
    private final List<Transport> transports = new CopyOnWriteArrayList<>();
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Map<String, StreamHandler> handlers = new ConcurrentHashMap<>();
    private final List<HostListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Multiaddr> listenAddrs = new CopyOnWriteArrayList<>();
    private final Map<PeerId, List<P2pConnection>> connections = new ConcurrentHashMap<>();
    private final Map<PeerId, CompletableFuture<P2pConnection>> pendingDials = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> idleCheck;
    private final java.util.concurrent.atomic.AtomicInteger pendingInbound = new java.util.concurrent.atomic.AtomicInteger();
    private final List<java.util.function.Supplier<List<Multiaddr>>> addressSources = new CopyOnWriteArrayList<>();
    private volatile java.util.function.Function<Multiaddr, CompletableFuture<P2pConnection>> circuitDialer;
    private final Map<InetSocketAddress, Long> punchInitiatorUntil = new ConcurrentHashMap<>();
    private volatile Reachability reachability = Reachability.UNKNOWN;
    private volatile boolean closed;
    private final ResourceManager resources = new ResourceManager(ResourceLimits.defaults());
    /** The resource scope of a connection, on the channel that carries it, from admission until close. */
    static final io.netty.util.AttributeKey<ResourceManager.Connection> SCOPE =
            io.netty.util.AttributeKey.valueOf("elohim.p2p.resource-scope");

    private Host(HostConfig config, TcpTransport transport, EventLoopGroup group, boolean ownsGroup) {
        this.config = config;
        this.tcp = transport;
        this.transports.add(transport);
        this.group = group;
        this.ownsGroup = ownsGroup;
        handlers.put(IdentifyService.PROTOCOL, IdentifyService.responder(this::identifyMessageFor));
        handlers.put(IdentifyService.PUSH_PROTOCOL, IdentifyService.pushReceiver(s -> { }, this::onIdentify));
        handlers.put(PingService.PROTOCOL, PingService.responder());
        handlers.put(PerfService.PROTOCOL, PerfService.server());
        if (!config.idleTimeout().isZero()) {
            long period = Math.max(100, config.idleTimeout().toMillis() / 4);
            idleCheck = group.next().scheduleAtFixedRate(this::checkIdle, period, period, TimeUnit.MILLISECONDS);
        } else {
            idleCheck = null;
        }
    }

    /** A host with its own event loop group (2 threads; epoll when available). */
    public static Host create(HostConfig config) {
        TcpTransport t = new TcpTransport();
        return withDefaultTransports(new Host(config, t, t.newEventLoopGroup(2), true));
    }

    /** A host on a shared event loop group, created by {@code transport}. */
    public static Host create(HostConfig config, TcpTransport transport, EventLoopGroup group) {
        return withDefaultTransports(new Host(config, transport, group, false));
    }

    /** TCP, WebSocket and QUIC (QUIC created, with its certificate and native library, on first use). */
    private static Host withDefaultTransports(Host h) {
        h.addTransport(new WebSocketTransport(h.tcp));
        QuicTransport.addTo(h, QuicConfig.defaults());
        return h;
    }

    /** Our transport of that type (a lazy one once created), e.g. QUIC to punch holes from its listen port. */
    public <T extends Transport> Optional<T> transport(Class<T> type) {
        for (Transport t : transports) {
            Transport real = t instanceof LazyTransport lazy ? lazy.created().orElse(null) : t;
            if (type.isInstance(real)) {
                return Optional.of(type.cast(real));
            }
        }
        return Optional.empty();
    }

    /** Connection and stream limits (go-libp2p style); {@link ResourceManager#setLimits} changes them. */
    public ResourceManager resources() {
        return resources;
    }

    /** Admits {@code ch} as a connection (before its handshake), released when it closes; null if refused. */
    private ResourceManager.Connection admit(Channel ch, boolean inbound, boolean relayed,
                                             CompletableFuture<P2pConnection> failOnRefusal) {
        ResourceManager.Connection scope;
        try {
            scope = resources.openConnection(inbound, relayed);
        } catch (ResourceLimitExceededException e) {
            if (failOnRefusal != null) {
                failOnRefusal.completeExceptionally(e);
            }
            log.debug("connection refused: {}", e.getMessage());
            ch.close();
            return null;
        }
        ch.attr(SCOPE).set(scope);
        ch.closeFuture().addListener(f -> scope.close());
        return scope;
    }

    public HostConfig config() {
        return config;
    }

    public PeerId peerId() {
        return config.identity().peerId();
    }

    /** Addresses we listen on, with their actual ports, without {@code /p2p/}. */
    public List<Multiaddr> listenAddresses() {
        return List.copyOf(listenAddrs);
    }

    public void addListener(HostListener listener) {
        listeners.add(listener);
    }

    public void removeListener(HostListener listener) {
        listeners.remove(listener);
    }

    /** Registers (or replaces) the handler of inbound streams for {@code protocol}. */
    public void setStreamHandler(String protocol, StreamHandler handler) {
        handlers.put(protocol, handler);
        pushIdentify();
    }

    public void removeStreamHandler(String protocol) {
        if (handlers.remove(protocol) != null) {
            pushIdentify();
        }
    }

    boolean supports(String protocol) {
        return handlers.containsKey(protocol);
    }

    List<String> protocols() {
        return List.copyOf(new TreeSet<>(handlers.keySet()));
    }

    StreamHandler handlerFor(String protocol) {
        return handlers.get(protocol);
    }

    // ------------------------------------------------------------------ listen / dial

    /** Adds a transport (QUIC, WebSocket, ...); later listen and dial calls can use it. */
    public void addTransport(Transport transport) {
        transports.add(transport);
    }

    /** The transports, in the order they were added (TCP first). */
    public List<Transport> transports() {
        return List.copyOf(transports);
    }

    /** Listens on an address of any of our transports (port 0: ephemeral); returns the bound address. */
    public CompletableFuture<Multiaddr> listen(Multiaddr addr) {
        Optional<Transport> t = transports.stream().filter(x -> x.canListen(addr)).findFirst();
        if (t.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no transport can listen on " + addr));
        }
        return t.get().listen(group, addr, new InboundSink(t.get().name())).thenApply(bound -> {
            listenAddrs.add(bound);
            pushIdentify();
            return bound;
        });
    }

    /** Listens on every address of {@link HostConfig#listenAddrs()}; completes with the bound addresses. */
    public CompletableFuture<List<Multiaddr>> listenAll() {
        List<CompletableFuture<Multiaddr>> all = config.listenAddrs().stream().map(this::listen).toList();
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]))
                .thenApply(v -> all.stream().map(CompletableFuture::join).toList());
    }

    /**
     * Connects to {@code peer} through the best of its {@code addrs}: QUIC, then TCP, then WebSocket, then relay
     * circuits; on failure the next one. An open connection is reused.
     */
    public CompletableFuture<P2pConnection> dial(PeerId peer, java.util.Collection<Multiaddr> addrs) {
        Optional<P2pConnection> existing = connection(peer);
        if (existing.isPresent()) {
            return CompletableFuture.completedFuture(existing.get());
        }
        List<Multiaddr> ordered = preferred(addrs).stream().map(a -> a.peerId().isPresent() ? a : a.withPeerId(peer)).toList();
        if (ordered.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no dialable address for " + peer));
        }
        CompletableFuture<P2pConnection> result = new CompletableFuture<>();
        dialInTurn(ordered, 0, result, null);
        return result;
    }

    private void dialInTurn(List<Multiaddr> addrs, int i, CompletableFuture<P2pConnection> result, Throwable last) {
        if (i >= addrs.size()) {
            result.completeExceptionally(last);
            return;
        }
        dial(addrs.get(i)).whenComplete((c, e) -> {
            if (e == null) {
                result.complete(c);
            } else {
                // later, once the failed dial has left pendingDials (its own callbacks run after this one)
                group.next().execute(() -> dialInTurn(addrs, i + 1, result, e));
            }
        });
    }

    /** Pure: the addresses we can dial, QUIC first, then TCP, WebSocket, circuits (stable within a kind). */
    List<Multiaddr> preferred(java.util.Collection<Multiaddr> addrs) {
        return addrs.stream().filter(a -> rank(a) < 4 && (a.has(org.elohim.p2p.multiaddr.Protocol.P2P_CIRCUIT)
                        || transportFor(a).isPresent()))
                .sorted(java.util.Comparator.comparingInt(Host::rank)).toList();
    }

    static int rank(Multiaddr a) {
        if (a.has(org.elohim.p2p.multiaddr.Protocol.P2P_CIRCUIT)) {
            return 3;
        }
        if (a.has(org.elohim.p2p.multiaddr.Protocol.QUIC_V1)) {
            return 0;
        }
        if (a.has(org.elohim.p2p.multiaddr.Protocol.WS)) {
            return 2;
        }
        return a.has(org.elohim.p2p.multiaddr.Protocol.TCP) ? 1 : 4;
    }

    /** Inbound connections of one transport: admission against the limits, then the upgrade. */
    private final class InboundSink implements ConnectionSink {
        private final String transportName;

        InboundSink(String transportName) {
            this.transportName = transportName;
        }

        @Override
        public void rawChannel(Channel ch, Multiaddr remote, Multiaddr local) {
            // Upgrades under way count too, so that half-open handshakes cannot pile up.
            if (closed || connectionCount() + pendingInbound.get() >= config.maxConnections()) {
                ch.close();
                return;
            }
            if (admit(ch, true, false, null) == null) {
                return;
            }
            pendingInbound.incrementAndGet();
            CompletableFuture<P2pConnection> f = new CompletableFuture<>();
            f.whenComplete((c, e) -> {
                pendingInbound.decrementAndGet();
                if (e != null) {
                    log.debug("inbound upgrade from {} failed: {}", remote, e.toString());
                }
            });
            Role role = ch.remoteAddress() instanceof InetSocketAddress sa ? punchRole(sa) : Role.RESPONDER;
            new ConnectionUpgrader(Host.this, role, Optional.empty(), f, transportName, remote, local, false)
                    .install(ch);
        }

        @Override
        public void securedConnection(SecuredConnection sc) {
            if (closed || admit(sc.channel(), true, false, null) == null || adoptSecured(sc) == null) {
                sc.channel().close();
            }
        }
    }

    /** Outbound connection of one dial: upgrade (raw pipes) or adoption (secured), completing {@code result}. */
    private final class DialSink implements ConnectionSink {
        private final String transportName;
        private final Role role;
        private final Optional<PeerId> peer;
        private final CompletableFuture<P2pConnection> result;

        DialSink(String transportName, Role role, Optional<PeerId> peer, CompletableFuture<P2pConnection> result) {
            this.transportName = transportName;
            this.role = role;
            this.peer = peer;
            this.result = result;
        }

        @Override
        public void rawChannel(Channel ch, Multiaddr remote, Multiaddr local) {
            if (admit(ch, false, false, result) == null) {
                return;
            }
            new ConnectionUpgrader(Host.this, role, peer, result, transportName, remote, local, false).install(ch);
        }

        @Override
        public void securedConnection(SecuredConnection sc) {
            if (peer.isPresent() && !peer.get().equals(sc.remotePeer())) {
                sc.channel().close();
                result.completeExceptionally(new org.elohim.p2p.noise.PeerIdMismatchException(peer.get(), sc.remotePeer()));
                return;
            }
            if (admit(sc.channel(), false, false, result) == null) {
                return;
            }
            P2pConnection conn = adoptSecured(sc);
            if (conn == null) {
                sc.channel().close();
                result.completeExceptionally(new IllegalStateException("connection limit reached"));
            } else {
                result.complete(conn);
            }
        }
    }

    /** Registers a connection a transport secured itself; null if refused. Event loop of the connection. */
    private P2pConnection adoptSecured(SecuredConnection sc) {
        P2pConnection conn = new P2pConnection(sc.channel(), sc.remotePeer(), sc.remotePublicKey(),
                sc.outbound() ? P2pConnection.Direction.OUTBOUND : P2pConnection.Direction.INBOUND,
                sc.remoteAddr(), sc.localAddr(), false, false, sc.transport());
        conn.attach(sc);
        sc.inboundStreams(new InboundStreamInitializer(this, conn));
        return connectionUpgraded(conn) ? conn : null;
    }

    /**
     * Dials {@code addr} ({@code .../tcp/N/p2p/<id>}; without {@code /p2p/} any peer is accepted). An open
     * connection to the same peer is reused, as is a dial to it already under way.
     */
    public CompletableFuture<P2pConnection> dial(Multiaddr addr) {
        return dial(addr, false);
    }

    /**
     * As {@link #dial(Multiaddr)}; with {@code fromListenPort} a TCP dial leaves from our TCP listen port (when
     * the platform allows port reuse), so that the address peers observe is the one NATs map for that port.
     * A {@code .../p2p/RELAY/p2p-circuit/p2p/TARGET} address goes to the circuit dialer, if one is set.
     */
    public CompletableFuture<P2pConnection> dial(Multiaddr addr, boolean fromListenPort) {
        java.util.function.Function<Multiaddr, CompletableFuture<P2pConnection>> circuit = circuitDialer;
        boolean isCircuit = addr.has(org.elohim.p2p.multiaddr.Protocol.P2P_CIRCUIT);
        if (isCircuit && circuit == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no circuit relay client to dial " + addr));
        }
        if (!isCircuit && transportFor(addr).isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no transport can dial " + addr));
        }
        Optional<PeerId> peer = addr.peerId();
        if (peer.isPresent()) {
            Optional<P2pConnection> existing = connection(peer.get());
            if (existing.isPresent()) {
                return CompletableFuture.completedFuture(existing.get());
            }
            CompletableFuture<P2pConnection> fresh = new CompletableFuture<>();
            CompletableFuture<P2pConnection> pending = pendingDials.putIfAbsent(peer.get(), fresh);
            if (pending != null) {
                return pending;
            }
            // The caller sees the outcome only after the dial has left pendingDials, so a retry right after a
            // failure (dialing the next address) starts a new dial instead of getting this failed one back.
            CompletableFuture<P2pConnection> visible = new CompletableFuture<>();
            fresh.whenComplete((c, e) -> {
                pendingDials.remove(peer.get(), fresh);
                if (e != null) {
                    visible.completeExceptionally(e);
                } else {
                    visible.complete(c);
                }
            });
            if (isCircuit) {
                circuit.apply(addr).whenComplete((c, e) -> {
                    if (e != null) {
                        fresh.completeExceptionally(e);
                    } else {
                        fresh.complete(c);
                    }
                });
            } else {
                dial0(addr, peer, fresh, Role.INITIATOR, fromListenPort, true);
            }
            return visible;
        }
        if (isCircuit) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("a circuit address needs the target's /p2p/"));
        }
        CompletableFuture<P2pConnection> result = new CompletableFuture<>();
        dial0(addr, peer, result, Role.INITIATOR, fromListenPort, true);
        return result;
    }

    /**
     * A new direct TCP connection, from the listen port, even when one to the peer exists (hole punching). With
     * {@code securityInitiator=false} we run the upgrade as the responder although we dialed: in a TCP
     * simultaneous open both sides dial, and DCUtR fixes who leads.
     */
    public CompletableFuture<P2pConnection> dialDirect(Multiaddr addr, boolean securityInitiator) {
        CompletableFuture<P2pConnection> result = new CompletableFuture<>();
        if (transportFor(addr).isEmpty()) {
            result.completeExceptionally(new IllegalArgumentException("no transport can dial " + addr));
            return result;
        }
        dial0(addr, addr.peerId(), result, securityInitiator ? Role.INITIATOR : Role.RESPONDER, true, false);
        return result;
    }

    /**
     * During a hole punch in which we lead the security handshake: an inbound TCP connection from {@code remote}
     * (the peer's SYN won the race into our listener) within {@code window} runs the handshake as initiator,
     * so both ends do not wait as responders.
     */
    public void expectPunchFrom(InetSocketAddress remote, Duration window) {
        punchInitiatorUntil.put(remote, System.nanoTime() + window.toNanos());
    }

    private Role punchRole(InetSocketAddress remote) {
        if (remote == null || punchInitiatorUntil.isEmpty()) {
            return Role.RESPONDER;
        }
        long now = System.nanoTime();
        punchInitiatorUntil.values().removeIf(until -> until - now < 0);
        return punchInitiatorUntil.remove(remote) != null ? Role.INITIATOR : Role.RESPONDER;
    }

    /**
     * Upgrades a relayed stream (circuit relay v2, after STATUS OK) to a libp2p connection: Noise and yamux
     * again, on top of the stream. The dialer of the circuit is the security initiator.
     */
    public CompletableFuture<P2pConnection> upgradeRelayed(Channel stream, boolean initiator, Optional<PeerId> expected,
                                                           Multiaddr remote, Multiaddr local) {
        CompletableFuture<P2pConnection> result = new CompletableFuture<>();
        Runnable install = () -> {
            if (admit(stream, !initiator, true, result) != null) {
                new ConnectionUpgrader(this, initiator ? Role.INITIATOR : Role.RESPONDER, expected, result, remote, local)
                        .install(stream);
            }
        };
        // On the event loop it runs at once, so bytes that follow the relay's answer reach the upgrader.
        if (stream.eventLoop().inEventLoop()) {
            install.run();
        } else {
            stream.eventLoop().execute(install);
        }
        return result;
    }

    /** Reachability as last determined (AutoNAT); UNKNOWN until something tests it. */
    public Reachability reachability() {
        return reachability;
    }

    public void setReachability(Reachability r) {
        this.reachability = r;
    }

    /** Where {@link #dial} sends {@code /p2p-circuit} addresses (the circuit relay client). */
    public void setCircuitDialer(java.util.function.Function<Multiaddr, CompletableFuture<P2pConnection>> dialer) {
        this.circuitDialer = dialer;
    }

    /** More addresses to advertise (relay circuit addresses, confirmed observed addresses). */
    public void addAddressSource(java.util.function.Supplier<List<Multiaddr>> source) {
        addressSources.add(source);
    }

    /** Tells connected peers that our addresses changed (identify push). */
    public void addressesChanged() {
        pushIdentify();
    }

    private Optional<Transport> transportFor(Multiaddr addr) {
        return transports.stream().filter(t -> t.canDial(addr)).findFirst();
    }

    private void dial0(Multiaddr addr, Optional<PeerId> peer, CompletableFuture<P2pConnection> result, Role role,
                       boolean fromListenPort, boolean fallback) {
        if (closed) {
            result.completeExceptionally(new IOException("host closed"));
            return;
        }
        if (connectionCount() >= config.maxConnections()) {
            result.completeExceptionally(new IOException("connection limit " + config.maxConnections() + " reached"));
            return;
        }
        Transport t = transportFor(addr).orElseThrow();
        DialOptions options = new DialOptions(peer, fromListenPort, config.handshakeTimeout());
        t.dial(group, addr, options, new DialSink(t.name(), role, peer, result)).whenComplete((v, e) -> {
            if (e == null) {
                return;
            }
            if (fromListenPort && fallback && t instanceof TcpTransport
                    && !(e instanceof io.netty.channel.ConnectTimeoutException)) {
                // the listen port is taken for this peer (e.g. a connection from it exists): plain dial
                dial0(addr, peer, result, role, false, false);
            } else {
                result.completeExceptionally(e);
            }
        });
    }

    /** Opens a stream to a connected peer; install its handlers with {@link P2pStream#start}. */
    public CompletableFuture<P2pStream> newStream(PeerId peer, String... protocols) {
        Optional<P2pConnection> c = connection(peer);
        if (c.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("not connected to " + peer));
        }
        return c.get().newStream(protocols);
    }

    /** Opens a stream to a connected peer; {@code handler} sets it up on the event loop before any input. */
    public CompletableFuture<P2pStream> newStream(PeerId peer, StreamHandler handler, String... protocols) {
        Optional<P2pConnection> c = connection(peer);
        if (c.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("not connected to " + peer));
        }
        return c.get().newStream(handler, protocols);
    }

    /** An open connection to {@code peer}: direct ones before relayed ones, then the oldest first. */
    public Optional<P2pConnection> connection(PeerId peer) {
        List<P2pConnection> list = connections.get(peer);
        if (list == null) {
            return Optional.empty();
        }
        synchronized (list) {
            Optional<P2pConnection> direct = list.stream().filter(c -> c.isOpen() && !c.isRelayed()).findFirst();
            return direct.isPresent() ? direct : list.stream().filter(P2pConnection::isOpen).findFirst();
        }
    }

    public List<P2pConnection> connections() {
        List<P2pConnection> all = new ArrayList<>();
        connections.values().forEach(l -> {
            synchronized (l) {
                all.addAll(l);
            }
        });
        return all;
    }

    private int connectionCount() {
        int n = 0;
        for (List<P2pConnection> l : connections.values()) {
            synchronized (l) {
                n += l.size();
            }
        }
        return n;
    }

    /** Pings a connected peer {@code count} times on one stream. */
    public CompletableFuture<List<Duration>> ping(PeerId peer, int count) {
        CompletableFuture<List<Duration>> result = new CompletableFuture<>();
        newStream(peer, s -> PingService.ping(s, count).whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(r);
            }
        }), PingService.PROTOCOL).whenComplete((s, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Runs one perf exchange with a connected peer. */
    public CompletableFuture<PerfService.Result> perf(PeerId peer, long upload, long download) {
        CompletableFuture<PerfService.Result> result = new CompletableFuture<>();
        newStream(peer, s -> PerfService.run(s, upload, download).whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(r);
            }
        }), PerfService.PROTOCOL).whenComplete((s, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    // ------------------------------------------------------------------ connection lifecycle

    /** Called by the upgrader on the connection's event loop; false if the connection must be refused. */
    boolean connectionUpgraded(P2pConnection conn) {
        if (closed || connectionCount() >= config.maxConnections()) {
            return false;
        }
        ResourceManager.Connection scope = conn.channel().attr(SCOPE).get();
        if (scope != null) {
            try {
                scope.established(conn.remotePeer());
            } catch (ResourceLimitExceededException e) {
                log.debug("connection with {} refused: {}", conn.remotePeer(), e.getMessage());
                return false;
            }
            conn.resourceScope(scope);
        }
        List<P2pConnection> list = connections.computeIfAbsent(conn.remotePeer(), p -> new ArrayList<>());
        synchronized (list) {
            list.add(conn);
        }
        conn.channel().closeFuture().addListener(f -> connectionClosed(conn));
        for (HostListener l : listeners) {
            try {
                l.connected(conn);
            } catch (RuntimeException e) {
                log.warn("listener failed on connect: {}", e.toString());
            }
        }
        startIdentify(conn);
        return true;
    }

    private void connectionClosed(P2pConnection conn) {
        List<P2pConnection> list = connections.get(conn.remotePeer());
        if (list != null) {
            synchronized (list) {
                list.remove(conn);
                if (list.isEmpty()) {
                    connections.remove(conn.remotePeer(), list);
                }
            }
        }
        conn.failIdentify(new IOException("connection closed"));
        for (HostListener l : listeners) {
            try {
                l.disconnected(conn);
            } catch (RuntimeException e) {
                log.warn("listener failed on disconnect: {}", e.toString());
            }
        }
    }

    private void startIdentify(P2pConnection conn) {
        conn.newStream(s -> IdentifyService.reader(s).whenComplete((m, e) -> {
            if (e != null) {
                conn.failIdentify(e);
            } else {
                onIdentify(s, m);
            }
        }), IdentifyService.PROTOCOL).whenComplete((s, e) -> {
            if (e != null) {
                conn.failIdentify(e);
            }
        });
    }

    private void onIdentify(P2pStream stream, IdentifyMessage m) {
        P2pConnection conn = stream.connection();
        // The key in identify must be the one the Noise handshake proved, else the message is not the peer's.
        if (m.publicKey().isPresent() && !java.util.Arrays.equals(m.publicKey().get(), conn.remotePublicKey())) {
            log.warn("identify from {} carries a different public key; ignored", conn.remotePeer());
            return;
        }
        conn.onIdentify(m);
        for (HostListener l : listeners) {
            try {
                l.identified(conn, m);
            } catch (RuntimeException e) {
                log.warn("listener failed on identify: {}", e.toString());
            }
        }
    }

    /** Our identify message as seen from one connection (observedAddr is that connection's remote address). */
    IdentifyMessage identifyMessageFor(P2pStream stream) {
        return ourIdentify(Optional.of(stream.connection().remoteAddr()));
    }

    private IdentifyMessage ourIdentify(Optional<Multiaddr> observed) {
        return new IdentifyMessage(Optional.of(IdentifyService.PROTOCOL_VERSION), Optional.of(config.agentVersion()),
                Optional.of(config.identity().marshalPublicKey()), advertisedAddresses(), observed, protocols(),
                Optional.empty());
    }

    /**
     * Addresses peers can dial: listen addresses, with a wildcard ({@code 0.0.0.0}, {@code ::}) replaced by the
     * addresses of this machine's interfaces of the same family.
     */
    public List<Multiaddr> advertisedAddresses() {
        List<Multiaddr> out = new ArrayList<>(advertise(listenAddrs, interfaceAddresses()));
        for (java.util.function.Supplier<List<Multiaddr>> source : addressSources) {
            for (Multiaddr m : source.get()) {
                if (!out.contains(m) && out.size() < 64) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    /** Pure part of {@link #advertisedAddresses()}: wildcards expanded over {@code local}, at most 64 results. */
    static List<Multiaddr> advertise(List<Multiaddr> listen, List<java.net.InetAddress> local) {
        List<Multiaddr> out = new ArrayList<>();
        for (Multiaddr m : listen) {
            InetSocketAddress sa;
            try {
                sa = m.toInetSocketAddress();
            } catch (RuntimeException e) {
                continue;
            }
            if (sa.getAddress() == null || !sa.getAddress().isAnyLocalAddress()) {
                out.add(m);
                continue;
            }
            boolean v4 = sa.getAddress() instanceof java.net.Inet4Address;
            for (java.net.InetAddress a : local) {
                if ((a instanceof java.net.Inet4Address) == v4 && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()) {
                    out.add(Multiaddr.fromInetSocketAddress(new InetSocketAddress(a, sa.getPort())));
                }
            }
        }
        return out.size() > 64 ? List.copyOf(out.subList(0, 64)) : out;
    }

    private static List<java.net.InetAddress> interfaceAddresses() {
        List<java.net.InetAddress> all = new ArrayList<>();
        try {
            for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp()) {
                    all.addAll(java.util.Collections.list(nic.getInetAddresses()));
                }
            }
        } catch (java.net.SocketException e) {
            log.debug("cannot list network interfaces: {}", e.toString());
        }
        return all;
    }

    /** Tells identified peers about changed protocols or addresses (identify push). */
    private void pushIdentify() {
        for (P2pConnection c : connections()) {
            if (c.isOpen() && c.identify() != null && c.identify().protocols().contains(IdentifyService.PUSH_PROTOCOL)) {
                c.newStream(IdentifyService.sender(ourIdentify(Optional.of(c.remoteAddr()))), IdentifyService.PUSH_PROTOCOL);
            }
        }
    }

    private void checkIdle() {
        long now = System.nanoTime();
        long idle = config.idleTimeout().toNanos();
        for (P2pConnection c : connections()) {
            c.channel().eventLoop().execute(() -> c.checkIdle(now, idle));
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        for (Transport t : transports) {
            t.close();
        }
        for (P2pConnection c : connections()) {
            c.channel().close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
