package org.elohim.p2p.relay;

import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.ProtobufReader;
import org.elohim.p2p.codec.ProtobufWriter;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.MultiaddrException;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.relay.RelayMessage.Hop;
import org.elohim.p2p.relay.RelayMessage.HopType;
import org.elohim.p2p.relay.RelayMessage.Limit;
import org.elohim.p2p.relay.RelayMessage.Peer;
import org.elohim.p2p.relay.RelayMessage.Reservation;
import org.elohim.p2p.relay.RelayMessage.Stop;
import org.elohim.p2p.relay.RelayMessage.StopType;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Pure codec of the circuit relay v2 protobufs (HopMessage, StopMessage), bounded. */
public final class RelayCodec {

    /** Largest HopMessage/StopMessage we send or accept (go and js use the same bound). */
    public static final int MAX_MESSAGE_BYTES = 4096;
    /** Addresses per peer or reservation beyond this are a malformed message. */
    public static final int MAX_ADDRS = 32;

    private RelayCodec() {
    }

    public static byte[] encode(RelayMessage m) {
        ProtobufWriter w = new ProtobufWriter();
        if (m instanceof Hop h) {
            w.varint(1, h.type().ordinal());
            h.peer().ifPresent(p -> w.bytes(2, encodePeer(p)));
            h.reservation().ifPresent(r -> w.bytes(3, encodeReservation(r)));
            h.limit().ifPresent(l -> w.bytes(4, encodeLimit(l)));
            h.status().ifPresent(s -> w.varint(5, s.code()));
        } else if (m instanceof Stop s) {
            w.varint(1, s.type().ordinal());
            s.peer().ifPresent(p -> w.bytes(2, encodePeer(p)));
            s.limit().ifPresent(l -> w.bytes(3, encodeLimit(l)));
            s.status().ifPresent(st -> w.varint(4, st.code()));
        }
        byte[] out = w.toByteArray();
        if (out.length > MAX_MESSAGE_BYTES) {
            throw new FrameTooLargeException(out.length, MAX_MESSAGE_BYTES);
        }
        return out;
    }

    public static Hop decodeHop(byte[] bytes) {
        checkSize(bytes);
        ProtobufReader r = new ProtobufReader(bytes);
        long type = 0;
        Peer peer = null;
        Reservation reservation = null;
        Limit limit = null;
        RelayStatus status = null;
        while (r.hasMore()) {
            switch (r.readTag()) {
                case 1 -> type = r.readVarint();
                case 2 -> peer = decodePeer(r.readBytes());
                case 3 -> reservation = decodeReservation(r.readBytes());
                case 4 -> limit = decodeLimit(r.readBytes());
                case 5 -> status = decodeStatus(r.readVarint());
                default -> r.skip();
            }
        }
        if (type < 0 || type >= HopType.values().length) {
            throw new MalformedFrameException("unknown HopMessage type " + type);
        }
        return new Hop(HopType.values()[(int) type], Optional.ofNullable(peer), Optional.ofNullable(reservation),
                Optional.ofNullable(limit), Optional.ofNullable(status));
    }

    public static Stop decodeStop(byte[] bytes) {
        checkSize(bytes);
        ProtobufReader r = new ProtobufReader(bytes);
        long type = 0;
        Peer peer = null;
        Limit limit = null;
        RelayStatus status = null;
        while (r.hasMore()) {
            switch (r.readTag()) {
                case 1 -> type = r.readVarint();
                case 2 -> peer = decodePeer(r.readBytes());
                case 3 -> limit = decodeLimit(r.readBytes());
                case 4 -> status = decodeStatus(r.readVarint());
                default -> r.skip();
            }
        }
        if (type < 0 || type >= StopType.values().length) {
            throw new MalformedFrameException("unknown StopMessage type " + type);
        }
        return new Stop(StopType.values()[(int) type], Optional.ofNullable(peer), Optional.ofNullable(limit),
                Optional.ofNullable(status));
    }

    private static void checkSize(byte[] bytes) {
        if (bytes.length > MAX_MESSAGE_BYTES) {
            throw new FrameTooLargeException(bytes.length, MAX_MESSAGE_BYTES);
        }
    }

    private static RelayStatus decodeStatus(long code) {
        return RelayStatus.fromCode(code).orElseThrow(() -> new MalformedFrameException("unknown relay status " + code));
    }

    private static byte[] encodePeer(Peer p) {
        ProtobufWriter w = new ProtobufWriter().bytes(1, p.id().bytes());
        p.addrs().forEach(a -> w.bytes(2, a.bytes()));
        return w.toByteArray();
    }

    private static Peer decodePeer(byte[] bytes) {
        ProtobufReader r = new ProtobufReader(bytes);
        PeerId id = null;
        List<Multiaddr> addrs = new ArrayList<>();
        while (r.hasMore()) {
            switch (r.readTag()) {
                case 1 -> id = peerId(r.readBytes());
                case 2 -> addAddr(addrs, r.readBytes());
                default -> r.skip();
            }
        }
        if (id == null) {
            throw new MalformedFrameException("relay Peer without id");
        }
        return new Peer(id, addrs);
    }

    private static byte[] encodeReservation(Reservation res) {
        ProtobufWriter w = new ProtobufWriter().varint(1, res.expire());
        res.addrs().forEach(a -> w.bytes(2, a.bytes()));
        res.voucher().ifPresent(v -> w.bytes(3, v));
        return w.toByteArray();
    }

    private static Reservation decodeReservation(byte[] bytes) {
        ProtobufReader r = new ProtobufReader(bytes);
        long expire = 0;
        List<Multiaddr> addrs = new ArrayList<>();
        byte[] voucher = null;
        while (r.hasMore()) {
            switch (r.readTag()) {
                case 1 -> expire = r.readVarint();
                case 2 -> addAddr(addrs, r.readBytes());
                case 3 -> voucher = r.readBytes();
                default -> r.skip();
            }
        }
        if (expire < 0) {
            throw new MalformedFrameException("reservation expiry out of range");
        }
        return new Reservation(expire, addrs, Optional.ofNullable(voucher));
    }

    private static byte[] encodeLimit(Limit l) {
        ProtobufWriter w = new ProtobufWriter();
        l.durationSeconds().ifPresent(d -> w.varint(1, d));
        l.dataBytes().ifPresent(d -> w.varint(2, d));
        return w.toByteArray();
    }

    private static Limit decodeLimit(byte[] bytes) {
        ProtobufReader r = new ProtobufReader(bytes);
        Long duration = null;
        Long data = null;
        while (r.hasMore()) {
            switch (r.readTag()) {
                case 1 -> duration = r.readVarint() & 0xFFFFFFFFL;
                case 2 -> {
                    data = r.readVarint();
                    if (data < 0) {
                        throw new MalformedFrameException("relay data limit out of range");
                    }
                }
                default -> r.skip();
            }
        }
        return new Limit(Optional.ofNullable(duration), Optional.ofNullable(data));
    }

    static PeerId peerId(byte[] bytes) {
        try {
            return PeerId.fromBytes(bytes);
        } catch (RuntimeException e) {
            throw new MalformedFrameException("bad peer id: " + e.getMessage(), e);
        }
    }

    private static void addAddr(List<Multiaddr> addrs, byte[] bytes) {
        if (addrs.size() >= MAX_ADDRS) {
            throw new MalformedFrameException("more than " + MAX_ADDRS + " addresses");
        }
        try {
            addrs.add(Multiaddr.fromBytes(bytes));
        } catch (MultiaddrException e) {
            // an address with a protocol we do not know: skip it, as identify does
        }
    }
}
