package org.elohim.p2p.identify;

import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.ProtobufReader;
import org.elohim.p2p.codec.ProtobufWriter;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.MultiaddrException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Pure codec of the identify protobuf, with the 8 KiB limit js-libp2p enforces. */
public final class IdentifyCodec {

    /** js-libp2p rejects identify messages above this size; we neither send nor accept more. */
    public static final int MAX_MESSAGE_BYTES = 8 * 1024;
    /** Entries of a repeated field beyond which the message is rejected (a flood, not a peer's real list). */
    public static final int MAX_REPEATED = 256;

    private static final int PUBLIC_KEY = 1;
    private static final int LISTEN_ADDRS = 2;
    private static final int PROTOCOLS = 3;
    private static final int OBSERVED_ADDR = 4;
    private static final int PROTOCOL_VERSION = 5;
    private static final int AGENT_VERSION = 6;
    private static final int SIGNED_PEER_RECORD = 8;

    private IdentifyCodec() {
    }

    public static byte[] encode(IdentifyMessage m) {
        ProtobufWriter w = new ProtobufWriter();
        m.publicKey().ifPresent(k -> w.bytes(PUBLIC_KEY, k));
        m.listenAddrs().forEach(a -> w.bytes(LISTEN_ADDRS, a.bytes()));
        m.protocols().forEach(p -> w.string(PROTOCOLS, p));
        m.observedAddr().ifPresent(a -> w.bytes(OBSERVED_ADDR, a.bytes()));
        m.protocolVersion().ifPresent(v -> w.string(PROTOCOL_VERSION, v));
        m.agentVersion().ifPresent(v -> w.string(AGENT_VERSION, v));
        m.signedPeerRecord().ifPresent(r -> w.bytes(SIGNED_PEER_RECORD, r));
        byte[] out = w.toByteArray();
        if (out.length > MAX_MESSAGE_BYTES) {
            throw new FrameTooLargeException(out.length, MAX_MESSAGE_BYTES);
        }
        return out;
    }

    /**
     * Decodes an identify message. Addresses with protocols we do not know are skipped (a newer peer may
     * announce transports we lack); structural problems are {@link MalformedFrameException}s.
     */
    public static IdentifyMessage decode(byte[] bytes) {
        if (bytes.length > MAX_MESSAGE_BYTES) {
            throw new FrameTooLargeException(bytes.length, MAX_MESSAGE_BYTES);
        }
        ProtobufReader r = new ProtobufReader(bytes);
        String protocolVersion = null;
        String agentVersion = null;
        byte[] publicKey = null;
        byte[] signedPeerRecord = null;
        Multiaddr observed = null;
        List<Multiaddr> listen = new ArrayList<>();
        List<String> protocols = new ArrayList<>();
        int repeated = 0;
        while (r.hasMore()) {
            int field = r.readTag();
            switch (field) {
                case PUBLIC_KEY -> publicKey = r.readBytes();
                case LISTEN_ADDRS -> {
                    checkRepeated(++repeated);
                    parseAddr(r.readBytes()).ifPresent(listen::add);
                }
                case PROTOCOLS -> {
                    checkRepeated(++repeated);
                    protocols.add(r.readString());
                }
                case OBSERVED_ADDR -> observed = parseAddr(r.readBytes()).orElse(null);
                case PROTOCOL_VERSION -> protocolVersion = r.readString();
                case AGENT_VERSION -> agentVersion = r.readString();
                case SIGNED_PEER_RECORD -> signedPeerRecord = r.readBytes();
                default -> r.skip();
            }
        }
        return new IdentifyMessage(Optional.ofNullable(protocolVersion), Optional.ofNullable(agentVersion),
                Optional.ofNullable(publicKey), listen, Optional.ofNullable(observed), protocols,
                Optional.ofNullable(signedPeerRecord));
    }

    private static void checkRepeated(int n) {
        if (n > MAX_REPEATED) {
            throw new MalformedFrameException("identify message has more than " + MAX_REPEATED + " addresses/protocols");
        }
    }

    private static Optional<Multiaddr> parseAddr(byte[] b) {
        try {
            return Optional.of(Multiaddr.fromBytes(b));
        } catch (MultiaddrException e) {
            return Optional.empty();
        }
    }
}
