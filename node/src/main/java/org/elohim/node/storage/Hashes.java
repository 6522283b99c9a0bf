package org.elohim.node.storage;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import org.automerge.ChangeHash;
import org.elohim.node.docs.DocumentRejected;

/**
 * Raw 32-byte Automerge change hashes: validation, conversion, storage encoding.
 *
 * <p>Automerge 0.0.7 aborts the whole JVM on a hash that is not 32 bytes, so every hash from
 * outside goes through {@link #toChangeHashes} first. {@code ChangeHash}'s constructor is
 * protected and its {@code equals} compares classes, so a subclass would not equal the hashes
 * Automerge returns; we create genuine instances through the constructor by reflection.
 */
public final class Hashes {
    public static final int LENGTH = 32;
    private static final Constructor<ChangeHash> CTOR;
    private static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    static {
        try {
            CTOR = ChangeHash.class.getDeclaredConstructor(byte[].class);
            CTOR.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Hashes() {
    }

    /** Throws {@link DocumentRejected} (BAD_HASH) unless every hash is exactly 32 bytes. */
    public static void validate(List<byte[]> hashes) {
        if (hashes == null) return;
        for (byte[] h : hashes) {
            if (h == null || h.length != LENGTH) {
                throw new DocumentRejected(DocumentRejected.Reason.BAD_HASH,
                        "change hash must be " + LENGTH + " bytes, got " + (h == null ? "null" : h.length));
            }
        }
    }

    public static ChangeHash[] toChangeHashes(List<byte[]> hashes) {
        validate(hashes);
        if (hashes == null) return new ChangeHash[0];
        ChangeHash[] out = new ChangeHash[hashes.size()];
        for (int i = 0; i < out.length; i++) out[i] = newChangeHash(hashes.get(i));
        return out;
    }

    private static ChangeHash newChangeHash(byte[] bytes) {
        try {
            return CTOR.newInstance((Object) bytes.clone());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create ChangeHash", e);
        }
    }

    /** Heads as sorted raw byte arrays (sorted so equal sets compare equal). */
    public static List<byte[]> fromChangeHashes(ChangeHash[] heads) {
        List<byte[]> out = new ArrayList<>(heads.length);
        for (ChangeHash h : heads) out.add(h.getBytes().clone());
        out.sort(ORDER);
        return out;
    }

    public static List<byte[]> sorted(List<byte[]> heads) {
        List<byte[]> out = new ArrayList<>(heads);
        out.sort(ORDER);
        return out;
    }

    /** Storage form: the sorted hashes concatenated. */
    public static byte[] encode(List<byte[]> heads) {
        List<byte[]> s = sorted(heads);
        byte[] out = new byte[s.size() * LENGTH];
        for (int i = 0; i < s.size(); i++) System.arraycopy(s.get(i), 0, out, i * LENGTH, LENGTH);
        return out;
    }

    public static List<byte[]> decode(byte[] blob) {
        if (blob == null || blob.length % LENGTH != 0) throw new IllegalArgumentException("bad heads blob");
        List<byte[]> out = new ArrayList<>(blob.length / LENGTH);
        for (int i = 0; i < blob.length; i += LENGTH) out.add(Arrays.copyOfRange(blob, i, i + LENGTH));
        return out;
    }

    /** Same set of hashes, regardless of order. */
    public static boolean sameSet(List<byte[]> a, List<byte[]> b) {
        return Arrays.equals(encode(a), encode(b));
    }

    public static boolean contains(List<byte[]> set, byte[] h) {
        for (byte[] x : set) if (Arrays.equals(x, h)) return true;
        return false;
    }

    public static String hex(byte[] h) {
        return HexFormat.of().formatHex(h);
    }
}
