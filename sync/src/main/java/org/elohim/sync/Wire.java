package org.elohim.sync;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.elohim.api.v1.SyncError;
import org.elohim.api.v1.SyncMessage;

/** Small helpers between protobuf fields and the engine's values. */
final class Wire {
    static final int HASH_BYTES = 32;

    private Wire() {
    }

    static List<ByteString> toProto(List<byte[]> hashes) {
        List<ByteString> out = new ArrayList<>(hashes.size());
        for (byte[] h : hashes) out.add(ByteString.copyFrom(h));
        return out;
    }

    /** Raw hashes; null if any is not exactly 32 bytes (such a hash must never reach Automerge). */
    static List<byte[]> hashesOrNull(List<ByteString> hashes) {
        List<byte[]> out = new ArrayList<>(hashes.size());
        for (ByteString b : hashes) {
            if (b.size() != HASH_BYTES) return null;
            out.add(b.toByteArray());
        }
        return out;
    }

    static boolean containsAll(List<byte[]> haystack, List<byte[]> needles) {
        for (byte[] n : needles) {
            boolean found = false;
            for (byte[] h : haystack) {
                if (Arrays.equals(h, n)) {
                    found = true;
                    break;
                }
            }
            if (!found) return false;
        }
        return true;
    }

    static SyncMessage error(SyncError.Code code, String message, String docId) {
        return SyncMessage.newBuilder().setError(SyncError.newBuilder().setCode(code)
                .setMessage(message == null ? "" : message).setDocId(docId == null ? "" : docId)).build();
    }
}
