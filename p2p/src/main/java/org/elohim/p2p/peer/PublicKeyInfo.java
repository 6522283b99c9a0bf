package org.elohim.p2p.peer;

import java.util.Arrays;
import java.util.HexFormat;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.ProtobufReader;
import org.elohim.p2p.codec.ProtobufWriter;
import org.elohim.p2p.crypto.Ed25519;

/** A libp2p {@code PublicKey{Type=1, Data=2}}. {@code data} is the raw key (32 bytes for Ed25519). */
public record PublicKeyInfo(KeyType type, byte[] data) {
    /** Upper bound on a marshalled public key (RSA-4096 in DER is ~550 bytes). */
    public static final int MAX_MARSHALLED_LENGTH = 2048;

    public PublicKeyInfo {
        if (type == null || data == null) {
            throw new KeyFormatException("public key needs type and data");
        }
        if (type == KeyType.ED25519 && data.length != Ed25519.PUBLIC_KEY_LENGTH) {
            throw new KeyFormatException("Ed25519 public key must be 32 bytes, got " + data.length);
        }
        data = data.clone();
    }

    public static PublicKeyInfo ed25519(byte[] raw) {
        return new PublicKeyInfo(KeyType.ED25519, raw);
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Deterministic protobuf encoding, e.g. {@code 08 01 12 20 <32 bytes>} for Ed25519. */
    public byte[] marshal() {
        return new ProtobufWriter().varint(1, type.code()).bytes(2, data).toByteArray();
    }

    /** @throws KeyFormatException on anything but a well-formed PublicKey message with both fields */
    public static PublicKeyInfo unmarshal(byte[] bytes) {
        if (bytes == null || bytes.length > MAX_MARSHALLED_LENGTH) {
            throw new KeyFormatException("marshalled public key too large or null");
        }
        try {
            ProtobufReader r = new ProtobufReader(bytes);
            Long type = null;
            byte[] data = null;
            while (r.hasMore()) {
                switch (r.readTag()) {
                    case 1 -> type = r.readVarint();
                    case 2 -> data = r.readBytes();
                    default -> r.skip();
                }
            }
            if (type == null || data == null) {
                throw new KeyFormatException("PublicKey lacks Type or Data");
            }
            return new PublicKeyInfo(KeyType.fromCode(type), data);
        } catch (MalformedFrameException e) {
            throw new KeyFormatException("malformed PublicKey protobuf: " + e.getMessage(), e);
        }
    }

    /** Verifies an Ed25519 signature; other key types are not supported and verify as false. */
    public boolean verify(byte[] message, byte[] signature) {
        return type == KeyType.ED25519 && Ed25519.verify(data, message, signature);
    }

    public PeerId toPeerId() {
        return PeerId.fromPublicKey(marshal());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicKeyInfo other && other.type == type && Arrays.equals(other.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * type.hashCode() + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "PublicKeyInfo[" + type + ", " + HexFormat.of().formatHex(data) + "]";
    }
}
