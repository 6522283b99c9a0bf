package org.elohim.p2p.peer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.Uvarint;

/**
 * A libp2p peer id: the multihash of a marshalled public key (identity multihash when the key is at most 42
 * bytes, as for Ed25519, else sha2-256). Text forms: base58btc ({@code 12D3KooW...}, {@code Qm...}) and CIDv1
 * ({@code b...}: multibase base32 of {@code 0x01 0x72 multihash}).
 */
public final class PeerId implements Comparable<PeerId> {
    public static final int MULTIHASH_IDENTITY = 0x00;
    public static final int MULTIHASH_SHA2_256 = 0x12;
    public static final int CID_VERSION_1 = 0x01;
    public static final int CODEC_LIBP2P_KEY = 0x72;
    /** Longest key that is inlined with the identity multihash. */
    public static final int MAX_INLINE_KEY_LENGTH = 42;
    /** Longest multihash accepted as a peer id. */
    public static final int MAX_BYTES = 128;
    /** Longest text form accepted. */
    public static final int MAX_TEXT_LENGTH = 256;

    private final byte[] multihash;
    private final int hashCode;

    private PeerId(byte[] multihash) {
        this.multihash = multihash;
        this.hashCode = Arrays.hashCode(multihash);
    }

    /** The peer id for a marshalled libp2p PublicKey (e.g. {@code 08 01 12 20 ...}). */
    public static PeerId fromPublicKey(byte[] marshalledPublicKey) {
        PublicKeyInfo.unmarshal(marshalledPublicKey); // validate
        if (marshalledPublicKey.length <= MAX_INLINE_KEY_LENGTH) {
            byte[] mh = new byte[2 + marshalledPublicKey.length];
            mh[0] = MULTIHASH_IDENTITY;
            mh[1] = (byte) marshalledPublicKey.length;
            System.arraycopy(marshalledPublicKey, 0, mh, 2, marshalledPublicKey.length);
            return new PeerId(mh);
        }
        byte[] mh = new byte[34];
        mh[0] = MULTIHASH_SHA2_256;
        mh[1] = 32;
        System.arraycopy(sha256(marshalledPublicKey), 0, mh, 2, 32);
        return new PeerId(mh);
    }

    public static PeerId fromPublicKey(PublicKeyInfo key) {
        return fromPublicKey(key.marshal());
    }

    /**
     * Parses a multihash peer id.
     *
     * @throws InvalidPeerIdException if it is not an identity multihash of a valid PublicKey or a sha2-256 one
     */
    public static PeerId fromBytes(byte[] multihash) {
        if (multihash == null || multihash.length == 0 || multihash.length > MAX_BYTES) {
            throw new InvalidPeerIdException("peer id must be 1.." + MAX_BYTES + " bytes");
        }
        try {
            Uvarint.Decoded code = Uvarint.decode(multihash, 0);
            Uvarint.Decoded len = Uvarint.decode(multihash, code.length());
            int digestStart = code.length() + len.length();
            if (len.value() != multihash.length - digestStart) {
                throw new InvalidPeerIdException("multihash digest length mismatch");
            }
            if (code.value() == MULTIHASH_IDENTITY) {
                if (len.value() > MAX_INLINE_KEY_LENGTH) {
                    throw new InvalidPeerIdException("identity multihash longer than " + MAX_INLINE_KEY_LENGTH);
                }
                PublicKeyInfo.unmarshal(Arrays.copyOfRange(multihash, digestStart, multihash.length));
            } else if (code.value() == MULTIHASH_SHA2_256) {
                if (len.value() != 32) {
                    throw new InvalidPeerIdException("sha2-256 multihash must have a 32-byte digest");
                }
            } else {
                throw new InvalidPeerIdException("unsupported multihash code 0x" + Long.toHexString(code.value()));
            }
        } catch (MalformedFrameException | KeyFormatException e) {
            throw new InvalidPeerIdException("invalid peer id bytes: " + e.getMessage(), e);
        }
        return new PeerId(multihash.clone());
    }

    /** Parses base58btc ({@code 12D3KooW...}, {@code Qm...}) or CIDv1 text ({@code b...}, {@code B...}, {@code z...}). */
    public static PeerId parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_TEXT_LENGTH) {
            throw new InvalidPeerIdException("peer id text must be 1.." + MAX_TEXT_LENGTH + " characters");
        }
        try {
            char first = text.charAt(0);
            if (first == '1' || text.startsWith("Qm")) {
                return fromBytes(Base58.decode(text));
            }
            byte[] cid = switch (first) {
                case 'b', 'B' -> Base32.decode(text.substring(1));
                case 'z' -> Base58.decode(text.substring(1));
                default -> throw new InvalidPeerIdException("unsupported peer id text form");
            };
            Uvarint.Decoded version = Uvarint.decode(cid, 0);
            if (version.value() != CID_VERSION_1) {
                throw new InvalidPeerIdException("CID version must be 1");
            }
            Uvarint.Decoded codec = Uvarint.decode(cid, version.length());
            if (codec.value() != CODEC_LIBP2P_KEY) {
                throw new InvalidPeerIdException("CID codec must be libp2p-key (0x72)");
            }
            return fromBytes(Arrays.copyOfRange(cid, version.length() + codec.length(), cid.length));
        } catch (IllegalArgumentException | MalformedFrameException e) {
            throw new InvalidPeerIdException("invalid peer id text: " + e.getMessage(), e);
        }
    }

    /** The multihash bytes (what {@code /p2p/} carries in binary multiaddrs). */
    public byte[] bytes() {
        return multihash.clone();
    }

    public String toBase58() {
        return Base58.encode(multihash);
    }

    public String toCidString() {
        byte[] cid = new byte[2 + multihash.length];
        cid[0] = CID_VERSION_1;
        cid[1] = CODEC_LIBP2P_KEY;
        System.arraycopy(multihash, 0, cid, 2, multihash.length);
        return "b" + Base32.encodeLower(cid);
    }

    /** The public key inlined in an identity-multihash peer id, if any. */
    public Optional<PublicKeyInfo> extractPublicKey() {
        if (multihash[0] != MULTIHASH_IDENTITY) {
            return Optional.empty();
        }
        return Optional.of(PublicKeyInfo.unmarshal(Arrays.copyOfRange(multihash, 2, multihash.length)));
    }

    /** The raw 32-byte Ed25519 key inlined in this peer id, if it is an Ed25519 identity id. */
    public Optional<byte[]> extractEd25519PublicKey() {
        return extractPublicKey().filter(k -> k.type() == KeyType.ED25519).map(PublicKeyInfo::data);
    }

    /** Verifies an Ed25519 signature by this peer's inlined key; false for other ids or a bad signature. */
    public boolean verify(byte[] data, byte[] signature) {
        return extractPublicKey().map(k -> k.verify(data, signature)).orElse(false);
    }

    /** True if {@code key} is this peer's public key. */
    public boolean matches(PublicKeyInfo key) {
        return equals(fromPublicKey(key.marshal()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId other && Arrays.equals(other.multihash, multihash);
    }

    @Override
    public int hashCode() {
        return hashCode;
    }

    @Override
    public int compareTo(PeerId o) {
        return Arrays.compareUnsigned(multihash, o.multihash);
    }

    @Override
    public String toString() {
        return toBase58();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
