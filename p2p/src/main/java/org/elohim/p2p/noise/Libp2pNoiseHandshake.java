package org.elohim.p2p.noise;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.elohim.p2p.codec.P2pProtocolException;
import org.elohim.p2p.crypto.X25519;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.KeyType;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.peer.PublicKeyInfo;

/**
 * The libp2p {@code /noise} handshake as a pure state machine on whole Noise messages (no framing, no I/O):
 * NoiseXX plus the signed identity payload, the expected-peer check and inlined muxer negotiation.
 *
 * <p>Drive it with {@link #start()} then {@link #onMessage(byte[])} for every received message, sending each
 * returned message; when {@link #isComplete()} the {@link #result()} and {@link #ciphers()} are available.
 */
public final class Libp2pNoiseHandshake {
    public static final String PROTOCOL_ID = "/noise";
    static final byte[] SIGNATURE_PREFIX = "noise-libp2p-static-key:".getBytes(StandardCharsets.US_ASCII);

    private final Role role;
    private final NoiseXXHandshake noise;
    private final Optional<PeerId> expectedRemote;
    private final List<String> localMuxers;
    private final byte[] localPayload;
    private SecureSessionEstablished result;
    private TransportCiphers ciphers;

    public Libp2pNoiseHandshake(Role role, IdentityKey identity, Optional<PeerId> expectedRemote,
            List<String> localMuxers) {
        this(role, identity, expectedRemote, localMuxers, X25519.randomPrivateKey(), null);
    }

    /**
     * @param staticPrivate    X25519 static key for this session (libp2p uses a fresh one per connection)
     * @param ephemeralPrivate X25519 ephemeral key, or null for a random one (tests inject fixed keys)
     */
    public Libp2pNoiseHandshake(Role role, IdentityKey identity, Optional<PeerId> expectedRemote,
            List<String> localMuxers, byte[] staticPrivate, byte[] ephemeralPrivate) {
        this.role = role;
        this.noise = new NoiseXXHandshake(role, staticPrivate, ephemeralPrivate);
        this.expectedRemote = expectedRemote == null ? Optional.empty() : expectedRemote;
        this.localMuxers = List.copyOf(localMuxers);
        byte[] toSign = concat(SIGNATURE_PREFIX, noise.localStaticPublicKey());
        this.localPayload = new NoiseHandshakePayload(identity.marshalPublicKey(), identity.sign(toSign),
                Optional.of(NoiseExtensions.ofMuxers(this.localMuxers))).encode();
    }

    public Role role() {
        return role;
    }

    /** The first message for the initiator (empty payload, as js sends); empty for the responder. */
    public Optional<byte[]> start() {
        if (role == Role.INITIATOR && !noise.isComplete() && noise.isMyTurn()) {
            return Optional.of(noise.writeMessage(new byte[0]));
        }
        return Optional.empty();
    }

    /**
     * Consumes one received handshake message and returns the message to send in answer, if any.
     *
     * @throws NoiseHandshakeException (or {@link PeerIdMismatchException}) if the handshake must be aborted
     */
    public Optional<byte[]> onMessage(byte[] message) {
        if (noise.isComplete() || noise.isMyTurn()) {
            throw new NoiseHandshakeException("unexpected handshake message");
        }
        byte[] payload = noise.readMessage(message);
        if (role == Role.RESPONDER && !noise.isComplete()) {
            // message 1: the initiator's payload is not authenticated yet and carries nothing we use.
            return Optional.of(noise.writeMessage(localPayload));
        }
        SecureSessionEstablished session = verify(payload);
        Optional<byte[]> reply = Optional.empty();
        if (role == Role.INITIATOR) {
            reply = Optional.of(noise.writeMessage(localPayload));
        }
        result = session;
        ciphers = noise.split();
        return reply;
    }

    public boolean isComplete() {
        return result != null;
    }

    public SecureSessionEstablished result() {
        if (result == null) {
            throw new IllegalStateException("handshake not complete");
        }
        return result;
    }

    public TransportCiphers ciphers() {
        if (ciphers == null) {
            throw new IllegalStateException("handshake not complete");
        }
        return ciphers;
    }

    public byte[] handshakeHash() {
        return noise.handshakeHash();
    }

    private SecureSessionEstablished verify(byte[] payloadBytes) {
        NoiseHandshakePayload payload = NoiseHandshakePayload.decode(payloadBytes);
        PublicKeyInfo key;
        try {
            key = PublicKeyInfo.unmarshal(payload.identityKey());
        } catch (P2pProtocolException e) {
            throw new NoiseHandshakeException("bad identity key in Noise payload: " + e.getMessage(), e);
        }
        if (key.type() != KeyType.ED25519) {
            throw new NoiseHandshakeException("unsupported identity key type " + key.type());
        }
        byte[] signed = concat(SIGNATURE_PREFIX, noise.remoteStaticPublicKey());
        if (!key.verify(signed, payload.identitySig())) {
            throw new NoiseHandshakeException("invalid Noise static key signature");
        }
        PeerId remote = PeerId.fromPublicKey(payload.identityKey());
        if (expectedRemote.isPresent() && !expectedRemote.get().equals(remote)) {
            throw new PeerIdMismatchException(expectedRemote.get(), remote);
        }
        List<String> remoteMuxers = payload.extensions().map(NoiseExtensions::streamMuxers).orElse(List.of());
        return new SecureSessionEstablished(remote, payload.identityKey(), selectMuxer(remoteMuxers));
    }

    /** The initiator's preference wins: first initiator muxer the responder also lists (both sides agree). */
    private Optional<String> selectMuxer(List<String> remoteMuxers) {
        if (localMuxers.isEmpty() || remoteMuxers.isEmpty()) {
            return Optional.empty();
        }
        List<String> initiator = role == Role.INITIATOR ? localMuxers : remoteMuxers;
        List<String> responder = role == Role.INITIATOR ? remoteMuxers : localMuxers;
        for (String m : initiator) {
            if (responder.contains(m)) {
                return Optional.of(m);
            }
        }
        throw new NoiseHandshakeException("no common stream muxer: local " + localMuxers + ", remote " + remoteMuxers);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
