package org.elohim.p2p.record;

import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.ProtobufReader;
import org.elohim.p2p.codec.ProtobufWriter;
import org.elohim.p2p.codec.Uvarint;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PublicKeyInfo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A libp2p signed envelope (RFC 0002): a payload, its type (a multicodec as uvarint bytes), the signer's public
 * key, and a signature over {@code domain || payload type || payload}, each uvarint length-prefixed. The domain
 * is not on the wire: signer and verifier must agree on it.
 */
public record SignedEnvelope(PublicKeyInfo publicKey, byte[] payloadType, byte[] payload, byte[] signature) {

    public static final int MAX_BYTES = 4096;

    public static SignedEnvelope seal(IdentityKey key, String domain, byte[] payloadType, byte[] payload) {
        return new SignedEnvelope(key.publicKey(), payloadType.clone(), payload.clone(),
                key.sign(signedBytes(domain, payloadType, payload)));
    }

    /** True if the signature is the public key's over this payload in {@code domain}. */
    public boolean verify(String domain) {
        return publicKey.verify(signedBytes(domain, payloadType, payload), signature);
    }

    public byte[] encode() {
        return new ProtobufWriter().bytes(1, publicKey.marshal()).bytes(2, payloadType).bytes(3, payload)
                .bytes(5, signature).toByteArray();
    }

    public static SignedEnvelope decode(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw new FrameTooLargeException(bytes.length, MAX_BYTES);
        }
        ProtobufReader r = new ProtobufReader(bytes);
        PublicKeyInfo key = null;
        byte[] type = null;
        byte[] payload = null;
        byte[] sig = null;
        while (r.hasMore()) {
            switch (r.readTag()) {
                case 1 -> {
                    try {
                        key = PublicKeyInfo.unmarshal(r.readBytes());
                    } catch (RuntimeException e) {
                        throw new MalformedFrameException("envelope public key: " + e.getMessage(), e);
                    }
                }
                case 2 -> type = r.readBytes();
                case 3 -> payload = r.readBytes();
                case 5 -> sig = r.readBytes();
                default -> r.skip();
            }
        }
        if (key == null || type == null || payload == null || sig == null) {
            throw new MalformedFrameException("signed envelope misses a field");
        }
        return new SignedEnvelope(key, type, payload, sig);
    }

    private static byte[] signedBytes(String domain, byte[] type, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : new byte[][] {domain.getBytes(StandardCharsets.UTF_8), type, payload}) {
            out.writeBytes(Uvarint.encode(part.length));
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedEnvelope e && e.publicKey.equals(publicKey) && Arrays.equals(e.payloadType, payloadType)
                && Arrays.equals(e.payload, payload) && Arrays.equals(e.signature, signature);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(payload);
    }
}
