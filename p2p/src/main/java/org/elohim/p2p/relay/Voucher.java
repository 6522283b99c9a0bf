package org.elohim.p2p.relay;

import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.ProtobufReader;
import org.elohim.p2p.codec.ProtobufWriter;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.record.SignedEnvelope;

/**
 * A reservation voucher: the relay's signed statement that it serves {@code peer} until {@code expiration}
 * (Unix seconds). Carried as a signed envelope, domain {@code libp2p-relay-rsvp}, payload type 0x0302 written as
 * the two bytes {@code 03 02} (as go-libp2p and js-libp2p do, not as a uvarint).
 */
public record Voucher(PeerId relay, PeerId peer, long expiration) {

    public static final String DOMAIN = "libp2p-relay-rsvp";
    private static final byte[] PAYLOAD_TYPE = {0x03, 0x02};

    public byte[] encodePayload() {
        return new ProtobufWriter().bytes(1, relay.bytes()).bytes(2, peer.bytes()).varint(3, expiration).toByteArray();
    }

    public static Voucher decodePayload(byte[] bytes) {
        ProtobufReader r = new ProtobufReader(bytes);
        PeerId relay = null;
        PeerId peer = null;
        long exp = -1;
        while (r.hasMore()) {
            switch (r.readTag()) {
                case 1 -> relay = RelayCodec.peerId(r.readBytes());
                case 2 -> peer = RelayCodec.peerId(r.readBytes());
                case 3 -> exp = r.readVarint();
                default -> r.skip();
            }
        }
        if (relay == null || peer == null || exp < 0) {
            throw new MalformedFrameException("voucher misses a field");
        }
        return new Voucher(relay, peer, exp);
    }

    /** Signed by the relay's identity key. */
    public byte[] seal(IdentityKey relayKey) {
        return SignedEnvelope.seal(relayKey, DOMAIN, PAYLOAD_TYPE, encodePayload()).encode();
    }

    /**
     * Opens a voucher envelope and checks it: signed by {@code relay}'s key, of the right type, naming
     * {@code relay} and {@code peer}. Any mismatch is a {@link MalformedFrameException}.
     */
    public static Voucher open(byte[] envelope, PeerId relay, PeerId peer) {
        SignedEnvelope e = SignedEnvelope.decode(envelope);
        if (!java.util.Arrays.equals(e.payloadType(), PAYLOAD_TYPE)) {
            throw new MalformedFrameException("voucher envelope has the wrong payload type");
        }
        if (!relay.matches(e.publicKey()) || !e.verify(DOMAIN)) {
            throw new MalformedFrameException("voucher is not signed by the relay");
        }
        Voucher v = decodePayload(e.payload());
        if (!v.relay.equals(relay) || !v.peer.equals(peer)) {
            throw new MalformedFrameException("voucher names another relay or peer");
        }
        return v;
    }
}
