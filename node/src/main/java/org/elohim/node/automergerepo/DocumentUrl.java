package org.elohim.node.automergerepo;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.UUID;

/**
 * An automerge-repo document id: bs58check of a 16-byte UUID. The id string is also the node's
 * document id, so a document created through automerge-repo is the same node document every
 * other API sees. URLs are {@code automerge:<id>}.
 */
public record DocumentUrl(String documentId) {
    public static final String SCHEME = "automerge:";
    private static final SecureRandom RANDOM = new SecureRandom();

    public DocumentUrl {
        if (!isValidId(documentId)) throw new IllegalArgumentException("not an automerge-repo document id");
    }

    public static boolean isValidId(String id) {
        return id != null && Base58Check.decode(id).map(b -> b.length == 16).orElse(false);
    }

    public static Optional<DocumentUrl> parseId(String id) {
        return isValidId(id) ? Optional.of(new DocumentUrl(id)) : Optional.empty();
    }

    /** Accepts {@code automerge:<id>} (an optional {@code #heads} suffix is ignored) or a bare id. */
    public static Optional<DocumentUrl> parse(String urlOrId) {
        if (urlOrId == null) return Optional.empty();
        String s = urlOrId.startsWith(SCHEME) ? urlOrId.substring(SCHEME.length()) : urlOrId;
        int hash = s.indexOf('#');
        if (hash >= 0) s = s.substring(0, hash);
        return parseId(s);
    }

    public static DocumentUrl of(UUID uuid) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits());
        return new DocumentUrl(Base58Check.encode(b.array()));
    }

    /** A fresh random (version 4) id, as automerge-repo's generator makes. */
    public static DocumentUrl random() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        return new DocumentUrl(Base58Check.encode(b));
    }

    public UUID uuid() {
        ByteBuffer b = ByteBuffer.wrap(Base58Check.decode(documentId).orElseThrow());
        return new UUID(b.getLong(), b.getLong());
    }

    public String url() {
        return SCHEME + documentId;
    }

    @Override
    public String toString() {
        return url();
    }
}
