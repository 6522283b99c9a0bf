package org.elohim.node.blobs;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.elohim.p2p.peer.Base32;

/**
 * A blob's name: the SHA-256 of its whole content. Written {@code sha256-<64 hex>}; the same digest
 * as a CIDv1 (raw codec 0x55, multihash sha2-256) in multibase base32 is {@code b...} (DESIGN §7).
 */
public final class BlobId {
    public static final String PREFIX = "sha256-";
    private static final byte[] CID_PREFIX = {0x01, 0x55, 0x12, 0x20};
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] digest;
    private final String text;

    private BlobId(byte[] digest) {
        this.digest = digest;
        this.text = PREFIX + HEX.formatHex(digest);
    }

    public static BlobId of(byte[] digest) {
        if (digest == null || digest.length != 32) throw new IllegalArgumentException("a blob digest is 32 bytes");
        return new BlobId(digest.clone());
    }

    /** Parses {@code sha256-<hex>} or a CIDv1 raw sha2-256 ({@code b...}); empty if neither. */
    public static Optional<BlobId> parse(String s) {
        if (s == null || s.length() > 128) return Optional.empty();
        try {
            if (s.startsWith(PREFIX) && s.length() == PREFIX.length() + 64) {
                String hex = s.substring(PREFIX.length());
                if (!hex.equals(hex.toLowerCase(java.util.Locale.ROOT))) return Optional.empty();
                return Optional.of(new BlobId(HEX.parseHex(hex)));
            }
            if (s.startsWith("b")) {
                byte[] cid = Base32.decode(s.substring(1));
                if (cid.length == 36 && Arrays.equals(Arrays.copyOf(cid, 4), CID_PREFIX)) {
                    return Optional.of(new BlobId(Arrays.copyOfRange(cid, 4, 36)));
                }
            }
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public byte[] digest() {
        return digest.clone();
    }

    public String hex() {
        return text.substring(PREFIX.length());
    }

    /** CIDv1, raw codec, sha2-256, multibase base32 lower ("b..."). */
    public String cid() {
        byte[] cid = Arrays.copyOf(CID_PREFIX, 36);
        System.arraycopy(digest, 0, cid, 4, 32);
        return "b" + Base32.encodeLower(cid);
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlobId b && Arrays.equals(digest, b.digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest);
    }
}
