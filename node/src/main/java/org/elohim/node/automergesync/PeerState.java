package org.elohim.node.automergesync;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What this node remembers of one peer for one document during Automerge sync. Only
 * {@link #sharedHeads} outlives a session; it is stored in the same form Automerge's
 * {@code encodeSyncState} writes (0x43, then the hash list), so states saved by older versions of
 * this node still load.
 */
public final class PeerState {
    List<byte[]> sharedHeads = List.of();
    List<byte[]> lastSentHeads = List.of();
    List<byte[]> theirHeads;
    List<byte[]> theirNeed;
    List<SyncMessage.Have> theirHave;
    /** Hex of change hashes sent and not yet known to be received. */
    final Set<String> sentHashes = new HashSet<>();
    boolean inFlight;
    boolean haveResponded;

    public List<byte[]> sharedHeads() {
        return sharedHeads;
    }

    /** The peer's heads from its last message (null before it sent one). */
    public List<byte[]> theirHeads() {
        return theirHeads;
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(2 + 32 * sharedHeads.size());
        out.write(0x43);
        SyncMessageCodec.hashes(out, sharedHeads);
        return out.toByteArray();
    }

    /** A state restored from {@link #encode} bytes; empty if they do not decode. */
    public static Optional<PeerState> decode(byte[] b) {
        if (b == null || b.length < 2 || (b[0] & 0xff) != 0x43) return Optional.empty();
        try {
            // Reuse the message decoder's bounds: a state is a message prefix with the heads list.
            int[] pos = {1};
            long n = 0;
            for (int shift = 0; ; shift += 7) {
                if (pos[0] >= b.length || shift > 28) return Optional.empty();
                int x = b[pos[0]++] & 0xff;
                n |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) break;
            }
            if (n * SyncMessageCodec.HASH > b.length - pos[0]) return Optional.empty();
            List<byte[]> heads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                heads.add(java.util.Arrays.copyOfRange(b, pos[0], pos[0] + 32));
                pos[0] += 32;
            }
            PeerState s = new PeerState();
            s.sharedHeads = heads;
            return Optional.of(s);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
