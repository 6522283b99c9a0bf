package org.elohim.p2p.dcutr;

import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.ProtobufReader;
import org.elohim.p2p.codec.ProtobufWriter;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.MultiaddrException;

import java.util.ArrayList;
import java.util.List;

/** Pure codec of {@code HolePunch{type=1 (CONNECT=100, SYNC=300), ObsAddrs=2}}, bounded. */
public final class HolePunchCodec {

    public static final int MAX_MESSAGE_BYTES = 4096;
    public static final int MAX_ADDRS = 32;
    private static final int CONNECT = 100;
    private static final int SYNC = 300;

    private HolePunchCodec() {
    }

    public static byte[] encode(HolePunchMessage m) {
        ProtobufWriter w = new ProtobufWriter();
        if (m instanceof HolePunchMessage.Connect c) {
            w.varint(1, CONNECT);
            c.observedAddrs().forEach(a -> w.bytes(2, a.bytes()));
        } else {
            w.varint(1, SYNC);
        }
        byte[] out = w.toByteArray();
        if (out.length > MAX_MESSAGE_BYTES) {
            throw new FrameTooLargeException(out.length, MAX_MESSAGE_BYTES);
        }
        return out;
    }

    public static HolePunchMessage decode(byte[] bytes) {
        if (bytes.length > MAX_MESSAGE_BYTES) {
            throw new FrameTooLargeException(bytes.length, MAX_MESSAGE_BYTES);
        }
        ProtobufReader r = new ProtobufReader(bytes);
        long type = -1;
        List<Multiaddr> addrs = new ArrayList<>();
        while (r.hasMore()) {
            switch (r.readTag()) {
                case 1 -> type = r.readVarint();
                case 2 -> {
                    if (addrs.size() >= MAX_ADDRS) {
                        throw new MalformedFrameException("HolePunch with more than " + MAX_ADDRS + " addresses");
                    }
                    byte[] a = r.readBytes();
                    try {
                        addrs.add(Multiaddr.fromBytes(a));
                    } catch (MultiaddrException e) {
                        // unknown transport: skip
                    }
                }
                default -> r.skip();
            }
        }
        if (type == CONNECT) {
            return new HolePunchMessage.Connect(addrs);
        }
        if (type == SYNC) {
            return new HolePunchMessage.Sync();
        }
        throw new MalformedFrameException("HolePunch type " + type + " is neither CONNECT nor SYNC");
    }
}
