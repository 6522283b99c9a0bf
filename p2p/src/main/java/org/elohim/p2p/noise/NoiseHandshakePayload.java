package org.elohim.p2p.noise;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.ProtobufReader;
import org.elohim.p2p.codec.ProtobufWriter;

/**
 * libp2p {@code NoiseHandshakePayload{bytes identity_key = 1; bytes identity_sig = 2; NoiseExtensions extensions
 * = 4;}}. Extensions are encoded whenever present, even if empty ({@code 22 00}), as js does.
 */
public record NoiseHandshakePayload(byte[] identityKey, byte[] identitySig, Optional<NoiseExtensions> extensions) {
    /** Bound on a decoded payload (a Noise message is at most 65535 bytes anyway). */
    public static final int MAX_LENGTH = 8192;

    public NoiseHandshakePayload {
        identityKey = identityKey.clone();
        identitySig = identitySig.clone();
        extensions = extensions == null ? Optional.empty() : extensions;
    }

    @Override
    public byte[] identityKey() {
        return identityKey.clone();
    }

    @Override
    public byte[] identitySig() {
        return identitySig.clone();
    }

    public byte[] encode() {
        ProtobufWriter w = new ProtobufWriter().bytes(1, identityKey).bytes(2, identitySig);
        extensions.ifPresent(e -> w.bytes(4, e.encode()));
        return w.toByteArray();
    }

    /**
     * @throws NoiseHandshakeException if malformed, over {@link #MAX_LENGTH}, or lacking identity key or signature
     */
    public static NoiseHandshakePayload decode(byte[] bytes) {
        if (bytes == null || bytes.length > MAX_LENGTH) {
            throw new NoiseHandshakeException("Noise handshake payload too large");
        }
        try {
            byte[] key = null;
            byte[] sig = null;
            NoiseExtensions ext = null;
            ProtobufReader r = new ProtobufReader(bytes);
            while (r.hasMore()) {
                switch (r.readTag()) {
                    case 1 -> key = r.readBytes();
                    case 2 -> sig = r.readBytes();
                    case 4 -> ext = NoiseExtensions.decode(r.readBytes());
                    default -> r.skip();
                }
            }
            if (key == null || key.length == 0 || sig == null || sig.length == 0) {
                throw new NoiseHandshakeException("Noise handshake payload lacks identity key or signature");
            }
            return new NoiseHandshakePayload(key, sig, Optional.ofNullable(ext));
        } catch (MalformedFrameException e) {
            throw new NoiseHandshakeException("malformed Noise handshake payload: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoiseHandshakePayload p && Arrays.equals(p.identityKey, identityKey)
                && Arrays.equals(p.identitySig, identitySig) && p.extensions.equals(extensions);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(identityKey) * 31 + Arrays.hashCode(identitySig) + extensions.hashCode();
    }

    @Override
    public String toString() {
        return "NoiseHandshakePayload[key=" + HexFormat.of().formatHex(identityKey) + ", extensions="
                + extensions + "]";
    }
}
