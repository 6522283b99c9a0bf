package org.elohim.p2p.peer;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Set;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.ProtobufReader;
import org.elohim.p2p.codec.ProtobufWriter;
import org.elohim.p2p.crypto.Ed25519;

/**
 * A node's Ed25519 identity (libp2p private key). Persisted in libp2p's {@code PrivateKey} protobuf form
 * ({@code 08 01 12 40 seed||pubkey}), readable by go/js-libp2p key tooling.
 */
public final class IdentityKey {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] seed;
    private final byte[] publicKey;
    private final PrivateKey jdkKey;
    private final PeerId peerId;

    private IdentityKey(byte[] seed) {
        this.seed = seed.clone();
        this.publicKey = Ed25519.publicKeyFromSeed(seed);
        this.jdkKey = Ed25519.privateKey(seed);
        this.peerId = PeerId.fromPublicKey(marshalPublicKey());
    }

    public static IdentityKey generate() {
        return new IdentityKey(Ed25519.randomSeed());
    }

    public static IdentityKey fromSeed(byte[] seed) {
        if (seed == null || seed.length != Ed25519.SEED_LENGTH) {
            throw new IllegalArgumentException("Ed25519 seed must be 32 bytes");
        }
        return new IdentityKey(seed);
    }

    public byte[] sign(byte[] message) {
        return Ed25519.sign(jdkKey, message);
    }

    public PublicKeyInfo publicKey() {
        return PublicKeyInfo.ed25519(publicKey);
    }

    public byte[] rawPublicKey() {
        return publicKey.clone();
    }

    /** The 32-byte private seed. Handle with care. */
    public byte[] seed() {
        return seed.clone();
    }

    public PeerId peerId() {
        return peerId;
    }

    public byte[] marshalPublicKey() {
        return publicKey().marshal();
    }

    /** {@code PrivateKey{Type=Ed25519, Data=seed(32)||publicKey(32)}}, the form go and js write. */
    public byte[] marshalPrivateKey() {
        byte[] data = new byte[64];
        System.arraycopy(seed, 0, data, 0, 32);
        System.arraycopy(publicKey, 0, data, 32, 32);
        byte[] out = new ProtobufWriter().varint(1, KeyType.ED25519.code()).bytes(2, data).toByteArray();
        Arrays.fill(data, (byte) 0);
        return out;
    }

    /**
     * Accepts Data as 64 bytes (seed||pubkey, pubkey must match), 96 bytes (legacy seed||pubkey||pubkey) or 32
     * bytes (seed only).
     *
     * @throws KeyFormatException if malformed or not Ed25519
     */
    public static IdentityKey unmarshalPrivateKey(byte[] bytes) {
        if (bytes == null || bytes.length > 4096) {
            throw new KeyFormatException("marshalled private key too large or null");
        }
        Long type = null;
        byte[] data = null;
        try {
            ProtobufReader r = new ProtobufReader(bytes);
            while (r.hasMore()) {
                switch (r.readTag()) {
                    case 1 -> type = r.readVarint();
                    case 2 -> data = r.readBytes();
                    default -> r.skip();
                }
            }
        } catch (MalformedFrameException e) {
            throw new KeyFormatException("malformed PrivateKey protobuf: " + e.getMessage(), e);
        }
        if (type == null || data == null) {
            throw new KeyFormatException("PrivateKey lacks Type or Data");
        }
        if (type != KeyType.ED25519.code()) {
            throw new KeyFormatException("only Ed25519 identity keys are supported, got type " + type);
        }
        if (data.length != 32 && data.length != 64 && data.length != 96) {
            throw new KeyFormatException("Ed25519 private key data must be 32, 64 or 96 bytes");
        }
        IdentityKey key = new IdentityKey(Arrays.copyOf(data, 32));
        if (data.length >= 64
                && !MessageDigest.isEqual(Arrays.copyOfRange(data, 32, 64), key.publicKey)) {
            throw new KeyFormatException("Ed25519 private key's embedded public key does not match its seed");
        }
        Arrays.fill(data, (byte) 0);
        return key;
    }

    /** Writes the key atomically with owner-only permissions (0600 where POSIX permissions exist). */
    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        if (posix) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(tmp);
        }
        byte[] bytes = marshalPrivateKey();
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public static IdentityKey load(Path file) throws IOException {
        return unmarshalPrivateKey(Files.readAllBytes(file));
    }

    /** Loads the key at {@code file}, or creates and saves a new one if the file does not exist. */
    public static IdentityKey loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            return load(file);
        }
        IdentityKey key = generate();
        try {
            key.save(file);
        } catch (FileAlreadyExistsException e) {
            return load(file);
        }
        return key;
    }

    @Override
    public String toString() {
        return "IdentityKey[" + peerId + "]";
    }
}
