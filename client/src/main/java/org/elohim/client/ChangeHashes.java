package org.elohim.client;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.automerge.ChangeHash;

/**
 * Raw 32-byte change hashes. Automerge 0.0.7 aborts the JVM on any other length, so every hash
 * from the network is checked here before it reaches Automerge. {@code ChangeHash}'s constructor
 * is protected and its equals compares classes, hence a genuine instance via reflection.
 */
final class ChangeHashes {
    static final int LENGTH = 32;
    private static final Constructor<ChangeHash> CTOR;

    static {
        try {
            CTOR = ChangeHash.class.getDeclaredConstructor(byte[].class);
            CTOR.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ChangeHashes() {
    }

    static boolean allValid(List<byte[]> hashes) {
        for (byte[] h : hashes) if (h == null || h.length != LENGTH) return false;
        return true;
    }

    static ChangeHash[] toAutomerge(List<byte[]> hashes) {
        if (!allValid(hashes)) throw new IllegalArgumentException("change hashes are 32 bytes");
        ChangeHash[] out = new ChangeHash[hashes.size()];
        try {
            for (int i = 0; i < out.length; i++) out[i] = CTOR.newInstance((Object) hashes.get(i).clone());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    static List<byte[]> fromAutomerge(ChangeHash[] heads) {
        List<byte[]> out = new ArrayList<>(heads.length);
        for (ChangeHash h : heads) out.add(h.getBytes().clone());
        out.sort(Arrays::compareUnsigned);
        return out;
    }

    static byte[] encode(List<byte[]> heads) {
        List<byte[]> s = new ArrayList<>(heads);
        s.sort(Arrays::compareUnsigned);
        byte[] out = new byte[s.size() * LENGTH];
        for (int i = 0; i < s.size(); i++) System.arraycopy(s.get(i), 0, out, i * LENGTH, LENGTH);
        return out;
    }

    static List<byte[]> decode(byte[] blob) {
        List<byte[]> out = new ArrayList<>();
        if (blob == null) return out;
        for (int i = 0; i + LENGTH <= blob.length; i += LENGTH) out.add(Arrays.copyOfRange(blob, i, i + LENGTH));
        return out;
    }

    /** Every hash of {@code sub} is in {@code set}. */
    static boolean containsAll(List<byte[]> set, List<byte[]> sub) {
        outer:
        for (byte[] h : sub) {
            for (byte[] x : set) if (Arrays.equals(x, h)) continue outer;
            return false;
        }
        return true;
    }
}
