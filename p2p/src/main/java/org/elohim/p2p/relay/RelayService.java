package org.elohim.p2p.relay;

import io.netty.channel.Channel;
import org.elohim.p2p.codec.FramedMessages;
import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.host.P2pStream;
import org.elohim.p2p.multiaddr.Component;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.Protocol;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.relay.RelayMessage.Hop;
import org.elohim.p2p.relay.RelayMessage.HopType;
import org.elohim.p2p.relay.RelayMessage.Limit;
import org.elohim.p2p.relay.RelayMessage.Peer;
import org.elohim.p2p.relay.RelayMessage.Reservation;
import org.elohim.p2p.relay.RelayMessage.Stop;
import org.elohim.p2p.relay.RelayMessage.StopType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The relay ("hop") side of circuit relay v2: grants reservations and joins a source's CONNECT with a stream to
 * the reserved destination ({@code /stop}), within the limits of {@link RelayConfig}. A peer that reaches us
 * through a relay can neither reserve nor be a source: circuits are never stacked.
 */
public final class RelayService {

    public static final String HOP = "/libp2p/circuit/relay/0.2.0/hop";
    public static final String STOP = "/libp2p/circuit/relay/0.2.0/stop";

    private static final Logger log = LoggerFactory.getLogger(RelayService.class);

    private final Host host;
    private final RelayConfig config;
    private final Clock clock;
    private final ReservationTable table;

    private RelayService(Host host, RelayConfig config, Clock clock) {
        this.host = host;
        this.config = config;
        this.clock = clock;
        this.table = new ReservationTable(config);
    }

    /** Starts relaying for others on {@code host}. */
    public static RelayService start(Host host, RelayConfig config, Clock clock) {
        RelayService s = new RelayService(host, config, clock);
        host.setStreamHandler(HOP, s::onHop);
        return s;
    }

    public void stop() {
        host.removeStreamHandler(HOP);
    }

    public synchronized int reservationCount() {
        return table.reservations();
    }

    public synchronized int circuitCount() {
        return table.circuits();
    }

    private Limit limit() {
        return new Limit(Optional.of(config.circuitDuration().toSeconds()), Optional.of(config.circuitDataBytes()));
    }

    private void onHop(P2pStream stream) {
        AtomicBoolean answered = new AtomicBoolean();
        FramedMessages[] reader = new FramedMessages[1];
        reader[0] = new FramedMessages(RelayCodec.MAX_MESSAGE_BYTES, body -> {
            if (!answered.compareAndSet(false, true)) {
                reply(stream.channel(), RelayStatus.UNEXPECTED_MESSAGE);
                return;
            }
            Hop msg;
            try {
                msg = RelayCodec.decodeHop(body);
            } catch (RuntimeException e) {
                reply(stream.channel(), RelayStatus.MALFORMED_MESSAGE);
                return;
            }
            if (msg.type() == HopType.RESERVE) {
                reserve(stream);
            } else if (msg.type() == HopType.CONNECT && msg.peer().isPresent()) {
                connect(stream, reader[0], msg.peer().get().id());
            } else {
                reply(stream.channel(), msg.type() == HopType.CONNECT ? RelayStatus.MALFORMED_MESSAGE
                        : RelayStatus.UNEXPECTED_MESSAGE);
            }
        }, e -> log.debug("hop stream from {} ended: {}", stream.remotePeer(), e.toString()));
        stream.channel().pipeline().addLast(reader[0]);
    }

    private static void reply(Channel ch, RelayStatus status) {
        FramedMessages.write(ch, RelayCodec.encode(Hop.status(status))).addListener(f -> ch.close());
    }

    private void reserve(P2pStream stream) {
        P2pConnection conn = stream.connection();
        if (conn.isRelayed()) {
            reply(stream.channel(), RelayStatus.PERMISSION_DENIED);
            return;
        }
        long now = clock.millis();
        RelayStatus status;
        long expiry;
        synchronized (this) {
            status = table.reserve(conn.remotePeer(), ipOf(conn.remoteAddr()), now);
            expiry = table.expiry(conn.remotePeer(), now);
        }
        if (status != RelayStatus.OK) {
            reply(stream.channel(), status);
            return;
        }
        long expireSeconds = expiry / 1000;
        Multiaddr self = Multiaddr.of(List.of()).encapsulate(new Component(Protocol.P2P, host.peerId().bytes()));
        List<Multiaddr> addrs = host.advertisedAddresses().stream()
                .filter(a -> !a.has(Protocol.P2P_CIRCUIT)).map(a -> a.encapsulate(self)).limit(16).toList();
        byte[] voucher = new Voucher(host.peerId(), conn.remotePeer(), expireSeconds).seal(host.config().identity());
        Hop ok = new Hop(HopType.STATUS, Optional.empty(), Optional.of(new Reservation(expireSeconds, addrs,
                Optional.of(voucher))), Optional.of(limit()), Optional.of(RelayStatus.OK));
        // the reservation lives as long as the connection: keep it open while idle
        conn.keepAlive(true);
        FramedMessages.write(stream.channel(), RelayCodec.encode(ok)).addListener(f -> stream.closeWrite());
    }

    private void connect(P2pStream src, FramedMessages srcReader, PeerId dst) {
        P2pConnection srcConn = src.connection();
        PeerId srcPeer = srcConn.remotePeer();
        if (srcConn.isRelayed() || dst.equals(srcPeer)) {
            reply(src.channel(), RelayStatus.PERMISSION_DENIED);
            return;
        }
        RelayStatus admitted;
        synchronized (this) {
            admitted = table.openCircuit(srcPeer, dst, clock.millis());
        }
        if (admitted != RelayStatus.OK) {
            reply(src.channel(), admitted);
            return;
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                synchronized (this) {
                    table.closeCircuit(srcPeer, dst);
                }
            }
        };
        Optional<P2pConnection> dstConn = host.connection(dst).filter(c -> !c.isRelayed());
        if (dstConn.isEmpty()) {
            release.run();
            reply(src.channel(), RelayStatus.CONNECTION_FAILED);
            return;
        }
        src.channel().closeFuture().addListener(f -> release.run());
        dstConn.get().newStream(stop -> {
            AtomicBoolean answered = new AtomicBoolean();
            FramedMessages[] stopReader = new FramedMessages[1];
            stopReader[0] = new FramedMessages(RelayCodec.MAX_MESSAGE_BYTES, body -> {
                if (!answered.compareAndSet(false, true)) {
                    return;
                }
                Stop answer;
                try {
                    answer = RelayCodec.decodeStop(body);
                } catch (RuntimeException e) {
                    stop.channel().close();
                    reply(src.channel(), RelayStatus.CONNECTION_FAILED);
                    return;
                }
                if (answer.type() != StopType.STATUS || answer.status().orElse(null) != RelayStatus.OK) {
                    stop.channel().close();
                    reply(src.channel(), RelayStatus.CONNECTION_FAILED);
                    return;
                }
                bridge(src, srcReader, stop, stopReader[0], release);
            }, e -> {
                if (answered.compareAndSet(false, true)) {
                    reply(src.channel(), RelayStatus.CONNECTION_FAILED);
                }
            });
            stop.channel().pipeline().addLast(stopReader[0]);
            Stop connect = new Stop(StopType.CONNECT, Optional.of(Peer.of(srcPeer)), Optional.of(limit()), Optional.empty());
            FramedMessages.write(stop.channel(), RelayCodec.encode(connect));
        }, STOP).whenComplete((s, e) -> {
            if (e != null) {
                reply(src.channel(), RelayStatus.CONNECTION_FAILED);
            }
        });
    }

    /** Called on the stop stream's event loop once the destination accepted. */
    private void bridge(P2pStream src, FramedMessages srcReader, P2pStream stop, FramedMessages stopReader,
                        Runnable release) {
        CircuitBridge bridge = CircuitBridge.create(src.channel(), stop.channel(), config.circuitDuration(),
                config.circuitDataBytes(), release);
        // Order matters: the source's reader must be gone before it can see OK and start its handshake, and OK
        // must reach the source before anything the destination sends (writes from one thread keep their order).
        Runnable srcSide = () -> {
            src.channel().pipeline().addLast(bridge.pipeFromA());
            src.channel().pipeline().remove(srcReader);
        };
        if (src.channel().eventLoop().inEventLoop()) {
            srcSide.run();
        } else {
            src.channel().eventLoop().execute(srcSide);
        }
        Hop ok = new Hop(HopType.STATUS, Optional.empty(), Optional.empty(), Optional.of(limit()),
                Optional.of(RelayStatus.OK));
        FramedMessages.write(src.channel(), RelayCodec.encode(ok));
        stop.channel().pipeline().addLast(bridge.pipeFromB());
        stop.channel().pipeline().remove(stopReader);
        log.debug("relaying {} -> {}", src.remotePeer(), stop.remotePeer());
    }

    static String ipOf(Multiaddr addr) {
        List<Component> c = addr.components();
        return c.isEmpty() ? "" : c.get(0).valueText();
    }
}
