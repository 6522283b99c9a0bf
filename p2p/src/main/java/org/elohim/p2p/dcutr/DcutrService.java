package org.elohim.p2p.dcutr;

import io.netty.channel.Channel;
import org.elohim.p2p.codec.FramedMessages;
import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.HostListener;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.host.P2pStream;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.Protocol;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.transport.TcpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * DCUtR ({@code /libp2p/dcutr}): turns a relayed connection into a direct one by hole punching. The peer that
 * received the relayed connection (B) sends CONNECT with its addresses and times the answer; A answers with
 * its own; B sends SYNC and, after half the round trip, dials A's addresses while A, on SYNC, dials B's: the
 * SYNs cross in the NATs (TCP simultaneous open, both dialing from their listen ports). B leads the security
 * handshake. Up to {@code maxAttempts} rounds; the relayed connection stays in use if all fail.
 */
public final class DcutrService implements HostListener {

    public static final String PROTOCOL = "/libp2p/dcutr";

    private static final Logger log = LoggerFactory.getLogger(DcutrService.class);

    /** The outcome of a hole punch we led (B side). */
    public record Outcome(PeerId peer, boolean direct, int attempts, Duration elapsed) {
    }

    private final Host host;
    private final Supplier<List<Multiaddr>> ourAddrs;
    private final int maxAttempts;
    private final Duration attemptTimeout;
    private final Map<PeerId, CompletableFuture<Outcome>> outcomes = new ConcurrentHashMap<>();
    private final Map<PeerId, CompletableFuture<P2pConnection>> directWaiters = new ConcurrentHashMap<>();

    private DcutrService(Host host, Supplier<List<Multiaddr>> ourAddrs, int maxAttempts, Duration attemptTimeout) {
        this.host = host;
        this.ourAddrs = ourAddrs;
        this.maxAttempts = maxAttempts;
        this.attemptTimeout = attemptTimeout;
    }

    /**
     * @param ourAddrs       the addresses to offer (observed addresses first, see {@code AddressManager#punchAddresses})
     * @param attemptTimeout how long one round waits for the direct connection
     */
    public static DcutrService start(Host host, Supplier<List<Multiaddr>> ourAddrs, int maxAttempts, Duration attemptTimeout) {
        DcutrService s = new DcutrService(host, ourAddrs, maxAttempts, attemptTimeout);
        host.addListener(s);
        host.setStreamHandler(PROTOCOL, s::onStream);
        return s;
    }

    /** Completes when a hole punch we lead towards {@code peer} ends (started by an inbound relayed connection). */
    public CompletableFuture<Outcome> outcome(PeerId peer) {
        return outcomes.computeIfAbsent(peer, p -> new CompletableFuture<>());
    }

    @Override
    public void connected(P2pConnection c) {
        if (!c.isRelayed()) {
            CompletableFuture<P2pConnection> w = directWaiters.remove(c.remotePeer());
            if (w != null) {
                w.complete(c);
            }
            return;
        }
        if (c.direction() == P2pConnection.Direction.INBOUND && !hasDirect(c.remotePeer())) {
            // we are B: lead the punch once this connection is usable
            long start = System.nanoTime();
            c.channel().eventLoop().execute(() -> attempt(c, 1, start));
        }
    }

    private boolean hasDirect(PeerId peer) {
        return host.connections().stream().anyMatch(x -> x.isOpen() && !x.isRelayed() && x.remotePeer().equals(peer));
    }

    private CompletableFuture<P2pConnection> awaitDirect(PeerId peer) {
        CompletableFuture<P2pConnection> w = directWaiters.computeIfAbsent(peer, p -> new CompletableFuture<>());
        host.connections().stream().filter(x -> x.isOpen() && !x.isRelayed() && x.remotePeer().equals(peer))
                .findFirst().ifPresent(w::complete);
        return w;
    }

    // ------------------------------------------------------------------ B: the side that received the relayed connection

    private void attempt(P2pConnection relayed, int n, long startNanos) {
        PeerId peer = relayed.remotePeer();
        CompletableFuture<Outcome> outcome = outcome(peer);
        if (outcome.isDone()) {
            return;
        }
        if (!relayed.isOpen() || n > maxAttempts) {
            finish(peer, false, n - 1, startNanos);
            return;
        }
        CompletableFuture<P2pConnection> direct = awaitDirect(peer);
        direct.thenAccept(c -> finish(peer, true, n, startNanos));
        relayed.newStream(s -> {
            long[] sent = new long[1];
            s.channel().pipeline().addLast(new FramedMessages(HolePunchCodec.MAX_MESSAGE_BYTES, body -> {
                if (!(HolePunchCodec.decode(body) instanceof HolePunchMessage.Connect connect)) {
                    throw new org.elohim.p2p.codec.MalformedFrameException("expected CONNECT");
                }
                long rtt = System.nanoTime() - sent[0];
                List<Multiaddr> targets = dialable(connect.observedAddrs(), viaLoopback(relayed));
                // before SYNC leaves: A dials as soon as it reads SYNC and may land in our listener first
                expectPunches(targets);
                FramedMessages.write(s.channel(), HolePunchCodec.encode(new HolePunchMessage.Sync()))
                        .addListener(f -> s.channel().close());
                s.channel().eventLoop().schedule(() -> punch(peer, targets, true), rtt / 2, TimeUnit.NANOSECONDS);
            }, e -> log.debug("dcutr stream to {} ended: {}", peer, e.toString())));
            sent[0] = System.nanoTime();
            FramedMessages.write(s.channel(), HolePunchCodec.encode(new HolePunchMessage.Connect(ourAddrs())));
        }, PROTOCOL).exceptionally(e -> {
            log.debug("cannot open dcutr stream to {}: {}", peer, e.toString());
            return null;
        });
        relayed.channel().eventLoop().schedule(() -> {
            if (!direct.isDone()) {
                attempt(relayed, n + 1, startNanos);
            }
        }, attemptTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void finish(PeerId peer, boolean direct, int attempts, long startNanos) {
        Outcome o = new Outcome(peer, direct, attempts, Duration.ofNanos(System.nanoTime() - startNanos));
        if (outcome(peer).complete(o)) {
            log.info("hole punch to {}: {} after {} attempt(s), {} ms", peer, direct ? "direct" : "failed", attempts,
                    o.elapsed().toMillis());
        }
    }

    // ------------------------------------------------------------------ A: the side that dialed through the relay

    private void onStream(P2pStream stream) {
        Channel ch = stream.channel();
        PeerId peer = stream.remotePeer();
        if (!stream.connection().isRelayed()) {
            ch.close();
            return;
        }
        List<Multiaddr>[] theirs = new List[1];
        ch.pipeline().addLast(new FramedMessages(HolePunchCodec.MAX_MESSAGE_BYTES, body -> {
            HolePunchMessage m = HolePunchCodec.decode(body);
            if (m instanceof HolePunchMessage.Connect c && theirs[0] == null) {
                theirs[0] = dialable(c.observedAddrs(), viaLoopback(stream.connection()));
                FramedMessages.write(ch, HolePunchCodec.encode(new HolePunchMessage.Connect(ourAddrs())));
            } else if (m instanceof HolePunchMessage.Sync && theirs[0] != null) {
                punch(peer, theirs[0], false);
                ch.close();
            } else {
                throw new org.elohim.p2p.codec.MalformedFrameException("unexpected DCUtR message " + m);
            }
        }, e -> log.debug("dcutr stream from {} ended: {}", peer, e.toString())));
    }

    // ------------------------------------------------------------------ both

    private void punch(PeerId peer, List<Multiaddr> targets, boolean initiator) {
        if (hasDirect(peer)) {
            return;
        }
        for (Multiaddr t : targets) {
            host.dialDirect(t.withPeerId(peer), initiator).whenComplete((c, e) -> {
                if (e != null) {
                    log.debug("punch dial {} failed: {}", t, e.toString());
                } else if (!c.remotePeer().equals(peer)) {
                    c.close();
                }
            });
        }
    }

    /** We lead the handshake: an inbound connection from one of A's addresses during the punch is ours to lead. */
    private void expectPunches(List<Multiaddr> targets) {
        for (Multiaddr t : targets) {
            try {
                host.expectPunchFrom(t.toInetSocketAddress(), attemptTimeout.multipliedBy(2));
            } catch (RuntimeException e) {
                // not an IP address: nothing to expect
            }
        }
    }

    private List<Multiaddr> ourAddrs() {
        return ourAddrs.get().stream().filter(a -> !a.has(Protocol.P2P_CIRCUIT)).limit(HolePunchCodec.MAX_ADDRS).toList();
    }

    /** A relay on loopback means all peers are on this machine (tests): loopback addresses are fair game then. */
    private static boolean viaLoopback(P2pConnection relayed) {
        try {
            return relayed.remoteAddr().toInetSocketAddress().getAddress().isLoopbackAddress();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * TCP addresses we could dial, without relay hops; at most 8 (each costs a dial). Loopback is refused unless
     * the relay itself is on loopback: a hostile peer must not make us dial our own machine's ports.
     */
    static List<Multiaddr> dialable(List<Multiaddr> addrs, boolean allowLoopback) {
        return addrs.stream().map(Multiaddr::withoutPeerId)
                .filter(a -> TcpTransport.canHandle(a) && !a.has(Protocol.P2P_CIRCUIT))
                .filter(a -> {
                    try {
                        InetSocketAddress sa = a.toInetSocketAddress();
                        return sa.getAddress() != null && !sa.getAddress().isAnyLocalAddress()
                                && (allowLoopback || !sa.getAddress().isLoopbackAddress());
                    } catch (RuntimeException e) {
                        return false;
                    }
                }).distinct().limit(8).toList();
    }
}
