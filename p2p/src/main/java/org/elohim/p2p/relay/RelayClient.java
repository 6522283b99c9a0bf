package org.elohim.p2p.relay;

import io.netty.channel.Channel;
import org.elohim.p2p.codec.FramedMessages;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.host.P2pStream;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.Protocol;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.relay.RelayMessage.Hop;
import org.elohim.p2p.relay.RelayMessage.HopType;
import org.elohim.p2p.relay.RelayMessage.Reservation;
import org.elohim.p2p.relay.RelayMessage.Stop;
import org.elohim.p2p.relay.RelayMessage.StopType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The client side of circuit relay v2: reserves slots on relays and keeps them refreshed (re-reserving after the
 * relay connection drops), advertises {@code .../p2p/RELAY/p2p-circuit} addresses, accepts circuits that
 * reserved relays open to us ({@code /stop}), and dials peers through relays. Both ends run Noise and yamux
 * again over the relayed stream; the result is a {@link P2pConnection} with {@code isRelayed()}.
 */
public final class RelayClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelayClient.class);
    private static final long MIN_REFRESH_MILLIS = 1_000;
    private static final long MAX_RETRY_MILLIS = 60_000;

    /** A reservation we hold on a relay. */
    public record Held(Multiaddr relayAddr, PeerId relay, Reservation reservation, Optional<Voucher> voucher) {
    }

    private final Host host;
    private final Clock clock;
    private final Map<PeerId, Held> held = new ConcurrentHashMap<>();
    private final Map<PeerId, Multiaddr> wanted = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private RelayClient(Host host, Clock clock) {
        this.host = host;
        this.clock = clock;
    }

    /** Installs the client on {@code host}: the {@code /stop} handler, circuit dialing and circuit addresses. */
    public static RelayClient start(Host host, Clock clock) {
        RelayClient c = new RelayClient(host, clock);
        host.setStreamHandler(RelayService.STOP, c::onStop);
        host.setCircuitDialer(c::dial);
        host.addAddressSource(c::circuitAddresses);
        return c;
    }

    /** Reservations held now. */
    public List<Held> reservations() {
        return List.copyOf(held.values());
    }

    /** Our circuit listen addresses ({@code <relay addr>/p2p/RELAY/p2p-circuit}), one per relay address. */
    public List<Multiaddr> circuitAddresses() {
        List<Multiaddr> out = new ArrayList<>();
        for (Held h : held.values()) {
            List<Multiaddr> base = h.reservation().addrs().isEmpty() ? List.of(h.relayAddr()) : h.reservation().addrs();
            for (Multiaddr a : base) {
                if (!a.has(Protocol.P2P_CIRCUIT) && a.peerId().filter(h.relay()::equals).isPresent()) {
                    out.add(CircuitAddress.listenAddress(a));
                }
            }
        }
        return out;
    }

    /**
     * Reserves a slot on the relay at {@code relayAddr} (which names the relay with {@code /p2p/}) and keeps it:
     * refreshed before it expires, taken again after the connection to the relay drops, until {@link #close}.
     */
    public CompletableFuture<Held> reserve(Multiaddr relayAddr) {
        PeerId relay = relayAddr.peerId().orElseThrow(() -> new IllegalArgumentException("relay address needs /p2p/"));
        wanted.put(relay, relayAddr);
        return reserveOnce(relayAddr, relay);
    }

    private CompletableFuture<Held> reserveOnce(Multiaddr relayAddr, PeerId relay) {
        return host.dial(relayAddr, true).thenCompose(conn -> {
            if (conn.isRelayed()) {
                return CompletableFuture.failedFuture(new IllegalStateException("relay reachable only through a relay"));
            }
            return exchange(conn, RelayService.HOP, Hop.reserve(), RelayCodec::decodeHop).thenApply(answer -> {
                Hop hop = answer.message();
                answer.stream().close();
                return accept(relayAddr, relay, conn, hop);
            });
        });
    }

    private Held accept(Multiaddr relayAddr, PeerId relay, P2pConnection conn, Hop hop) {
        if (hop.type() != HopType.STATUS || hop.status().isEmpty()) {
            throw new MalformedFrameException("relay answered RESERVE without a status");
        }
        if (hop.status().get() != RelayStatus.OK) {
            throw new RelayException(hop.status().get(), "reservation refused by " + relay);
        }
        Reservation r = hop.reservation().orElseThrow(() -> new MalformedFrameException("OK without reservation"));
        Optional<Voucher> voucher = r.voucher().map(v -> Voucher.open(v, relay, host.peerId()));
        Held h = new Held(relayAddr, relay, r, voucher);
        boolean fresh = held.put(relay, h) == null;
        conn.keepAlive(true);
        if (fresh) {
            conn.channel().closeFuture().addListener(f -> lost(relay, 2_000));
        }
        long remaining = r.expire() * 1000 - clock.millis();
        long delay = Math.max(MIN_REFRESH_MILLIS, remaining * 3 / 4);
        conn.channel().eventLoop().schedule(() -> refresh(relay), delay, TimeUnit.MILLISECONDS);
        host.addressesChanged();
        log.debug("reserved on {} until {}", relay, r.expire());
        return h;
    }

    private void refresh(PeerId relay) {
        Multiaddr addr = wanted.get(relay);
        if (closed || addr == null || !held.containsKey(relay)) {
            return;
        }
        reserveOnce(addr, relay).whenComplete((h, e) -> {
            if (e != null) {
                log.debug("refreshing reservation on {} failed: {}", relay, e.toString());
                lost(relay, 2_000);
            }
        });
    }

    /** The reservation is gone (connection closed, refresh failed): stop advertising it and try again later. */
    private void lost(PeerId relay, long retryMillis) {
        if (held.remove(relay) != null) {
            host.addressesChanged();
        }
        Multiaddr addr = wanted.get(relay);
        if (closed || addr == null) {
            return;
        }
        io.netty.util.concurrent.GlobalEventExecutor.INSTANCE.schedule(() -> {
            if (closed || held.containsKey(relay) || !wanted.containsKey(relay)) {
                return;
            }
            reserveOnce(addr, relay).whenComplete((h, e) -> {
                if (e != null) {
                    lost(relay, Math.min(MAX_RETRY_MILLIS, retryMillis * 2));
                }
            });
        }, retryMillis, TimeUnit.MILLISECONDS);
    }

    /** Dials {@code <relay>/p2p/RELAY/p2p-circuit/p2p/TARGET}. */
    public CompletableFuture<P2pConnection> dial(Multiaddr addr) {
        CircuitAddress circuit;
        try {
            circuit = CircuitAddress.parse(addr);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<P2pConnection> result = new CompletableFuture<>();
        // from the listen port: the relay then reports the address our NAT maps for it (hole punching uses it)
        host.dial(circuit.relayAddr(), true).thenAccept(conn -> conn.newStream(s -> {
            FramedMessages[] reader = new FramedMessages[1];
            reader[0] = new FramedMessages(RelayCodec.MAX_MESSAGE_BYTES, body -> {
                Hop hop = RelayCodec.decodeHop(body);
                if (hop.type() != HopType.STATUS || hop.status().isEmpty()) {
                    throw new MalformedFrameException("relay answered CONNECT without a status");
                }
                if (hop.status().get() != RelayStatus.OK) {
                    result.completeExceptionally(new RelayException(hop.status().get(), "relay " + circuit.relay()
                            + " could not connect to " + circuit.target()));
                    s.channel().close();
                    return;
                }
                Multiaddr local = CircuitAddress.listenAddress(circuit.relayAddr()).withPeerId(host.peerId());
                host.upgradeRelayed(s.channel(), true, Optional.of(circuit.target()), circuit.toMultiaddr(), local)
                        .whenComplete(complete(result));
                s.channel().pipeline().remove(reader[0]);
            }, result::completeExceptionally);
            s.channel().pipeline().addLast(reader[0]);
            FramedMessages.write(s.channel(), RelayCodec.encode(Hop.connect(circuit.target())));
        }, RelayService.HOP).whenComplete((s, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            }
        })).exceptionally(e -> {
            result.completeExceptionally(e);
            return null;
        });
        return result;
    }

    private void onStop(P2pStream stream) {
        PeerId relay = stream.remotePeer();
        Channel ch = stream.channel();
        FramedMessages[] reader = new FramedMessages[1];
        reader[0] = new FramedMessages(RelayCodec.MAX_MESSAGE_BYTES, body -> {
            Stop stop;
            try {
                stop = RelayCodec.decodeStop(body);
            } catch (RuntimeException e) {
                answer(ch, RelayStatus.MALFORMED_MESSAGE);
                return;
            }
            if (stop.type() != StopType.CONNECT || stop.peer().isEmpty()) {
                answer(ch, RelayStatus.UNEXPECTED_MESSAGE);
                return;
            }
            // Only relays we asked to serve us may open circuits to us.
            Held h = held.get(relay);
            if (h == null || stream.connection().isRelayed()) {
                answer(ch, RelayStatus.PERMISSION_DENIED);
                return;
            }
            PeerId source = stop.peer().get().id();
            Multiaddr relayBase = h.relayAddr();
            Multiaddr remote = CircuitAddress.listenAddress(relayBase).withPeerId(source);
            Multiaddr local = CircuitAddress.listenAddress(relayBase).withPeerId(host.peerId());
            host.upgradeRelayed(ch, false, Optional.of(source), remote, local).whenComplete((c, e) -> {
                if (e != null) {
                    log.debug("relayed connection from {} via {} failed: {}", source, relay, e.toString());
                }
            });
            ch.pipeline().remove(reader[0]);
            FramedMessages.write(ch, RelayCodec.encode(Stop.status(RelayStatus.OK)));
        }, e -> log.debug("stop stream from {} ended: {}", relay, e.toString()));
        ch.pipeline().addLast(reader[0]);
    }

    private static void answer(Channel ch, RelayStatus status) {
        FramedMessages.write(ch, RelayCodec.encode(Stop.status(status))).addListener(f -> ch.close());
    }

    private record Answer<T>(T message, Channel stream) {
    }

    /** Opens a stream, sends one message, completes with the first answer. */
    private static <T> CompletableFuture<Answer<T>> exchange(P2pConnection conn, String protocol, RelayMessage request,
                                                            java.util.function.Function<byte[], T> decoder) {
        CompletableFuture<Answer<T>> result = new CompletableFuture<>();
        conn.newStream(s -> {
            s.channel().pipeline().addLast(new FramedMessages(RelayCodec.MAX_MESSAGE_BYTES,
                    body -> result.complete(new Answer<>(decoder.apply(body), s.channel())), result::completeExceptionally));
            FramedMessages.write(s.channel(), RelayCodec.encode(request));
        }, protocol).whenComplete((s, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static <T> java.util.function.BiConsumer<T, Throwable> complete(CompletableFuture<T> f) {
        return (v, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(v);
            }
        };
    }

    @Override
    public void close() {
        closed = true;
        wanted.clear();
        held.clear();
        host.removeStreamHandler(RelayService.STOP);
        host.setCircuitDialer(null);
    }
}
